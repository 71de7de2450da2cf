"""Institutions, courses, sessions and training records: services, scoping, pages and API."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from facilities.models import StaffMember
from suzhou_childcare.accounts.models import Role
from suzhou_childcare.audit.models import AuditEntry
from suzhou_childcare.crypto import mask_identifier
from suzhou_childcare.errors import Conflict, PermissionDenied, RuleViolation, ValidationFailed
from tests.facilities.factories import complete_draft, valid_id_number
from training.models import CourseTarget, InstitutionKind, TrainingRecord, TrainingResult
from training.selectors import records as selectors
from training.services import records as services

pytestmark = pytest.mark.django_db

START = date(2026, 3, 2)


@pytest.fixture
def base(city_admin, training_base):
    return services.institution_create(
        actor=city_admin, name="苏州市托育人才培训基地", kind=InstitutionKind.TRAINING_BASE, accounts=[training_base]
    )


@pytest.fixture
def other_base(city_admin, make_user):
    account = make_user(Role.TRAINING_BASE, username="other_base", organisation="吴江区托育培训基地")
    institution = services.institution_create(
        actor=city_admin, name="吴江区托育培训基地", kind=InstitutionKind.TRAINING_BASE, accounts=[account]
    )
    return institution, account


@pytest.fixture
def mch(city_admin, mch_assessor):
    return services.institution_create(
        actor=city_admin, name="苏州市妇幼保健院", kind=InstitutionKind.MCH, accounts=[mch_assessor]
    )


@pytest.fixture
def course(base, training_base):
    return services.course_create(
        actor=training_base,
        institution=base,
        title="保育人员岗前培训",
        target=CourseTarget.CARER,
        hours=Decimal("40"),
        subsidy_eligible=True,
        certificate_valid_months=36,
    )


@pytest.fixture
def session(course, training_base):
    return services.session_create(
        actor=training_base, course=course, starts_on=START, ends_on=START + timedelta(days=4), capacity=2
    )


def add(actor, session, id_number=None, **extra):
    values = {
        "name": "李娜",
        "id_number": id_number or valid_id_number(),
        "hours": Decimal("40"),
        "result": TrainingResult.PASSED,
        "completed_on": START + timedelta(days=4),
        **extra,
    }
    return services.record_add(actor=actor, session=session, **values)


def test_only_the_city_admin_creates_institutions(training_base):
    with pytest.raises(PermissionDenied):
        services.institution_create(actor=training_base, name="某基地", kind=InstitutionKind.TRAINING_BASE)


def test_mch_institution_gives_health_care_courses_only(mch, mch_assessor):
    with pytest.raises(ValidationFailed) as exc:
        services.course_create(actor=mch_assessor, institution=mch, title="保育", target=CourseTarget.CARER, hours=10)
    assert "target" in exc.value.fields
    course = services.course_create(
        actor=mch_assessor, institution=mch, title="卫生保健人员培训", target=CourseTarget.HEALTH_CARE, hours=16
    )
    assert course.institution == mch


def test_another_institution_cannot_add_courses(base, other_base):
    _institution, account = other_base
    with pytest.raises(PermissionDenied):
        services.course_create(actor=account, institution=base, title="x", target=CourseTarget.CARER, hours=1)


def test_record_defaults_certificate_validity_and_is_audited(session, training_base):
    record = add(training_base, session)
    assert record.certificate_valid_until == date(2029, 3, 6)
    entry = AuditEntry.objects.filter(action="training.record_add").get()
    assert entry.object_id == str(session.pk)
    failed = add(training_base, session, result=TrainingResult.FAILED)
    assert failed.certificate_valid_until is None


def test_invalid_id_number_is_a_field_error(session, training_base):
    with pytest.raises(ValidationFailed) as exc:
        add(training_base, session, id_number="320502198501010000")
    assert "id_number" in exc.value.fields
    assert not TrainingRecord.objects.exists()


def test_capacity_and_duplicates_are_refused(session, training_base):
    id_number = valid_id_number()
    add(training_base, session, id_number=id_number)
    with pytest.raises(ValidationFailed) as exc:
        add(training_base, session, id_number=id_number)
    assert "id_number" in exc.value.fields
    add(training_base, session)
    with pytest.raises(RuleViolation):
        add(training_base, session)
    assert session.records.count() == 2


def test_assessment_by_mch_institution(mch, mch_assessor, base, training_base):
    assessment = services.assessment_record(
        actor=mch_assessor,
        institution=mch,
        name="陈静",
        id_number=valid_id_number(),
        assessed_on=START,
        score=Decimal("88.5"),
        passed=True,
        valid_until=START + timedelta(days=365),
    )
    assert assessment.passed
    with pytest.raises(RuleViolation):
        services.assessment_record(
            actor=training_base,
            institution=base,
            name="陈静",
            id_number=valid_id_number(),
            assessed_on=START,
            score=90,
            passed=True,
        )


def test_operator_sees_records_of_people_on_current_roster(session, training_base, operator):
    facility = complete_draft(operator)
    member = StaffMember.objects.filter(facility=facility).select_related("person").first()
    add(training_base, session, id_number=member.person.id_number)
    add(training_base, session)
    assert list(selectors.record_list_for(user=operator)) == list(TrainingRecord.objects.filter(person=member.person))
    member.employed_to = member.employed_from + timedelta(days=1)
    member.save(update_fields=["employed_to"])
    assert not selectors.record_list_for(user=operator).exists()
    assert not selectors.session_list_for(user=operator).exists()


def test_record_list_runs_a_constant_number_of_queries(course, training_base):
    session = services.session_create(actor=training_base, course=course, starts_on=START, ends_on=START, capacity=50)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            rows = [
                (r.person.name, r.course.title, r.session.pk)
                for r in selectors.record_list_for(user=training_base, session=session)
            ]
        return len(ctx.captured_queries), len(rows)

    add(training_base, session)
    few = count()
    for _ in range(5):
        add(training_base, session)
    many = count()
    assert few[0] == many[0] and (few[1], many[1]) == (1, 6)


# --- pages --------------------------------------------------------------------------------------------------


def test_session_page_shows_masked_id_numbers(session, training_base, web_client_for):
    id_number = valid_id_number()
    add(training_base, session, id_number=id_number)
    response = web_client_for(training_base).get(reverse("training:records_session", kwargs={"pk": session.pk}))
    assert response.status_code == 200
    body = response.content.decode()
    assert mask_identifier(id_number) in body and id_number not in body
    courses = web_client_for(training_base).get(reverse("training:records_courses"))
    assert courses.status_code == 200 and "保育人员岗前培训" in courses.content.decode()


@pytest.mark.parametrize("role", ["city_admin", "district_officer"])
def test_officers_read_the_session(session, users, web_client_for, role):
    response = web_client_for(users[role]).get(reverse("training:records_session", kwargs={"pk": session.pk}))
    assert response.status_code == 200
    assert reverse("training:records_import", kwargs={"pk": session.pk}) not in response.content.decode()


@pytest.mark.parametrize("who", ["other_base", "operator", "mch_assessor"])
def test_foreign_users_get_404_on_the_session(session, other_base, users, web_client_for, api_client_for, who):
    user = other_base[1] if who == "other_base" else users[who]
    for name in ("training:records_session", "training:records_add"):
        assert web_client_for(user).get(reverse(name, kwargs={"pk": session.pk})).status_code == 404
    assert api_client_for(user).get(f"/api/v1/training/sessions/{session.pk}/records/").status_code == 404


def test_add_record_page(session, training_base, web_client_for):
    client = web_client_for(training_base)
    url = reverse("training:records_add", kwargs={"pk": session.pk})
    assert client.get(url).status_code == 200
    data = {"name": "王丽", "hours": "40", "result": "passed", "completed_on": "2026-03-06"}
    refused = client.post(url, {**data, "id_number": "320502198501010000"})
    assert refused.status_code == 400 and 'id="id_id_number-errors"' in refused.content.decode()
    response = client.post(url, {**data, "id_number": valid_id_number()})
    assert response.status_code == 302
    assert session.records.count() == 1


# --- API ----------------------------------------------------------------------------------------------------


def test_api_lists_and_adds_records_masked(session, training_base, api_client_for):
    client = api_client_for(training_base)
    id_number = valid_id_number()
    created = client.post(
        f"/api/v1/training/sessions/{session.pk}/records/",
        {"name": "王丽", "id_number": id_number, "hours": "40", "result": "passed", "completed_on": "2026-03-06"},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["id_number_masked"] == mask_identifier(id_number)
    for url in ("courses/", "sessions/", f"sessions/{session.pk}/records/"):
        response = client.get(f"/api/v1/training/{url}")
        assert response.status_code == 200
        assert id_number not in response.content.decode()
    assert client.get("/api/v1/training/courses/").json()["results"][0]["title"] == "保育人员岗前培训"


def test_api_refuses_invalid_id_number_with_field_error(session, training_base, api_client_for):
    response = api_client_for(training_base).post(
        f"/api/v1/training/sessions/{session.pk}/records/",
        {"name": "王丽", "id_number": "123", "hours": "4", "result": "passed", "completed_on": "2026-03-06"},
        format="json",
    )
    assert response.status_code == 400
    assert "id_number" in response.json()["fields"]


def test_district_officer_reads_but_cannot_write_via_api(session, gusu_officer, api_client_for):
    client = api_client_for(gusu_officer)
    assert client.get(f"/api/v1/training/sessions/{session.pk}/records/").status_code == 200
    response = client.post(
        f"/api/v1/training/sessions/{session.pk}/records/",
        {
            "name": "王丽",
            "id_number": valid_id_number(),
            "hours": "4",
            "result": "passed",
            "completed_on": "2026-03-06",
        },
        format="json",
    )
    assert response.status_code == 403


def test_an_id_number_does_not_reveal_the_registrys_name(session, training_base, api_client_for):
    from facilities.services import person_for

    number = valid_id_number()
    person_for(name="李娜", id_number=number)
    response = api_client_for(training_base).post(
        f"/api/v1/training/sessions/{session.pk}/records/",
        {"name": "随便写", "id_number": number, "hours": "8", "result": "passed", "completed_on": "2026-03-11"},
        format="json",
    )
    assert response.status_code == 400 and "name" in response.json()["fields"]
    assert "李娜" not in response.content.decode()
    assert not TrainingRecord.objects.exists()


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"completed_on": date(9999, 12, 1)}, "completed_on"),  # used to overflow the certificate's validity: a 500
        ({"hours": Decimal("9999.9")}, "hours"),  # more than the course's 40 hours
        ({"name": "李" * 150}, "name"),  # longer than the registry's column
    ],
)
def test_impossible_records_are_field_errors_and_nothing_is_saved(session, training_base, extra, field):
    with pytest.raises(ValidationFailed) as refused:
        add(training_base, session, **extra)
    assert field in refused.value.fields
    assert not session.records.exists()


def test_the_same_assessment_twice_is_a_conflict(mch, mch_assessor):
    values = {
        "actor": mch_assessor,
        "institution": mch,
        "name": "陈静",
        "id_number": valid_id_number(),
        "assessed_on": START,
        "score": Decimal("88.5"),
        "passed": True,
    }
    services.assessment_record(**values)
    with pytest.raises(Conflict):
        services.assessment_record(**values)
    with pytest.raises(ValidationFailed) as refused:
        services.assessment_record(**{**values, "assessed_on": date(2999, 1, 1)})
    assert "assessed_on" in refused.value.fields
