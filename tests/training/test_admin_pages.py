"""Setting up training: institutions, courses, sessions and health-care staff assessments (pages and API)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from suzhou_childcare.accounts.models import Role
from suzhou_childcare.crypto import mask_identifier
from tests.facilities.factories import valid_id_number
from training.models import Course, CourseTarget, HealthStaffAssessment, Institution, InstitutionKind, Session
from training.services import records as services

pytestmark = pytest.mark.django_db


@pytest.fixture
def base(city_admin, training_base):
    return services.institution_create(
        actor=city_admin, name="苏州市托育人才培训基地", kind=InstitutionKind.TRAINING_BASE, accounts=[training_base]
    )


@pytest.fixture
def other_base(city_admin, make_user):
    account = make_user(Role.TRAINING_BASE, username="other_base")
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
        actor=training_base, institution=base, title="保育人员岗前培训", target=CourseTarget.CARER, hours=40
    )


API = "/api/v1/training"
COURSE = {"title": "育婴员培训", "target": "infant_carer", "hours": "24", "certificate_valid_months": "12"}
SESSION = {"starts_on": "2026-04-01", "ends_on": "2026-04-03", "capacity": "30", "location": "姑苏区"}


def on_gusu_roster(operator, id_number: str) -> None:
    """Put the assessed person (陈静) on the roster of a facility in 姑苏区 (the district officer's unit)."""
    from datetime import timedelta

    from django.utils import timezone

    from facilities import services as facility_services
    from tests.facilities.factories import complete_draft

    today = timezone.localdate()
    facility_services.staff_add(
        actor=operator,
        facility=complete_draft(operator, name="姑苏保健托育中心"),
        name="陈静",
        id_number=id_number,
        role="health_care",
        employed_from=today - timedelta(days=10),
        health_certificate_expires_on=today + timedelta(days=300),
        no_criminal_record_on_file=True,
    )


def assessment_data(id_number: str, **extra) -> dict:
    return {
        "name": "陈静",
        "id_number": id_number,
        "assessed_on": "2026-03-02",
        "score": "88.5",
        "passed": "on",
        "valid_until": "2027-03-02",
        **extra,
    }


# --- pages --------------------------------------------------------------------------------------------------


def test_city_admin_adds_an_institution(city_admin, training_base, web_client_for):
    client = web_client_for(city_admin)
    url = reverse("training:institution_new")
    assert client.get(url).status_code == 200
    data = {"name": "昆山市托育培训基地", "kind": "training_base", "district": "", "accounts": "training_base"}
    refused = client.post(url, {**data, "accounts": "training_base nobody"})
    assert refused.status_code == 400 and 'id="id_accounts-errors"' in refused.content.decode()
    assert not Institution.objects.exists()
    assert client.post(url, data).status_code == 302
    institution = Institution.objects.get()
    assert list(institution.accounts.all()) == [training_base]
    duplicate = client.post(url, data)
    assert duplicate.status_code == 400 and 'id="id_name-errors"' in duplicate.content.decode()
    assert Institution.objects.count() == 1


@pytest.mark.parametrize("role", ["district_officer", "training_base", "mch_assessor", "operator"])
def test_other_roles_cannot_add_institutions(users, web_client_for, role):
    response = web_client_for(users[role]).post(
        reverse("training:institution_new"), {"name": "x", "kind": "training_base"}
    )
    assert response.status_code == 404
    assert not Institution.objects.exists()


def test_institution_account_adds_a_course_and_a_session(base, training_base, web_client_for):
    client = web_client_for(training_base)
    page = client.get(reverse("training:records_courses")).content.decode()
    assert reverse("training:course_new") in page
    url = reverse("training:course_new")
    assert client.get(url).status_code == 200
    refused = client.post(url, {**COURSE, "institution": base.pk, "hours": "-1"})
    assert refused.status_code == 400 and 'id="id_hours-errors"' in refused.content.decode()
    assert not Course.objects.exists()
    assert client.post(url, {**COURSE, "institution": base.pk}).status_code == 302
    created = Course.objects.get()
    assert (created.institution, created.certificate_valid_months) == (base, 12)

    url = reverse("training:session_new", kwargs={"pk": created.pk})
    assert url in client.get(reverse("training:records_courses")).content.decode()
    refused = client.post(url, {**SESSION, "ends_on": "2026-03-01"})
    assert refused.status_code == 400 and 'id="id_ends_on-errors"' in refused.content.decode()
    assert not Session.objects.exists()
    response = client.post(url, SESSION)
    session = Session.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "training:records_session", kwargs={"pk": session.pk}
    )


def test_course_page_refuses_a_foreign_institution(base, other_base, web_client_for):
    _institution, account = other_base
    response = web_client_for(account).post(reverse("training:course_new"), {**COURSE, "institution": base.pk})
    assert response.status_code == 400 and 'id="id_institution-errors"' in response.content.decode()
    assert not Course.objects.exists()


@pytest.mark.parametrize("who", ["other_base", "city_admin", "district_officer", "operator", "mch_assessor"])
def test_foreign_users_get_404_on_the_course_and_session_pages(course, other_base, users, web_client_for, who):
    user = other_base[1] if who == "other_base" else users[who]
    client = web_client_for(user)
    session_url = reverse("training:session_new", kwargs={"pk": course.pk})
    assert client.get(session_url).status_code == 404
    assert client.post(session_url, SESSION).status_code == 404
    if who in ("city_admin", "district_officer", "operator"):
        assert client.get(reverse("training:course_new")).status_code == 404
    assert not Session.objects.exists()


def test_mch_account_records_an_assessment(mch, mch_assessor, web_client_for):
    client = web_client_for(mch_assessor)
    url = reverse("training:assessment_new")
    assert client.get(url).status_code == 200
    id_number = valid_id_number()
    refused = client.post(url, assessment_data(id_number, score="101"))
    assert refused.status_code == 400 and 'id="id_score-errors"' in refused.content.decode()
    refused = client.post(url, assessment_data("320502198501010000"))
    assert refused.status_code == 400 and 'id="id_id_number-errors"' in refused.content.decode()
    assert not HealthStaffAssessment.objects.exists()
    response = client.post(url, assessment_data(id_number))
    assert response.status_code == 302 and response.url == reverse("training:assessment_list")
    assessment = HealthStaffAssessment.objects.get()
    assert (assessment.institution, assessment.passed) == (mch, True)
    listing = client.get(reverse("training:assessment_list"))
    body = listing.content.decode()
    assert listing.status_code == 200 and mask_identifier(id_number) in body and id_number not in body


@pytest.mark.parametrize("role", ["city_admin", "district_officer", "training_base", "operator", "inspector"])
def test_other_roles_cannot_record_assessments(mch, base, users, web_client_for, role):
    client = web_client_for(users[role])
    assert client.get(reverse("training:assessment_new")).status_code == 404
    assert client.post(reverse("training:assessment_new"), assessment_data(valid_id_number())).status_code == 404
    assert not HealthStaffAssessment.objects.exists()


def test_assessment_list_is_scoped(mch, mch_assessor, city_admin, make_user, users, web_client_for):
    id_number = valid_id_number()
    data = assessment_data(id_number)
    web_client_for(mch_assessor).post(reverse("training:assessment_new"), data)
    other = make_user("mch_assessor", username="other_mch")
    services.institution_create(actor=city_admin, name="吴江区妇幼保健院", kind="mch", accounts=[other])
    masked = mask_identifier(id_number)
    # A district officer sees the results of the people on their unit's rosters only.
    assert (
        masked
        not in web_client_for(users["district_officer"]).get(reverse("training:assessment_list")).content.decode()
    )
    on_gusu_roster(users["operator"], id_number)
    wujiang = make_user("district_officer", district_code="320509", username="wujiang_reader")
    for user, sees in ((city_admin, True), (users["district_officer"], True), (wujiang, False), (other, False)):
        response = web_client_for(user).get(reverse("training:assessment_list"))
        body = response.content.decode()
        assert response.status_code == 200 and (masked in body) is sees and id_number not in body
    for role in ("training_base", "inspector", "statistics_client"):
        assert web_client_for(users[role]).get(reverse("training:assessment_list")).status_code == 404


# --- API ----------------------------------------------------------------------------------------------------


def test_api_creates_a_course_and_a_session(base, training_base, api_client_for):
    client = api_client_for(training_base)
    refused = client.post(f"{API}/courses/", {**COURSE, "institution": base.pk, "target": "x"}, format="json")
    assert refused.status_code == 400 and "target" in refused.json()["fields"]
    assert not Course.objects.exists()
    created = client.post(f"{API}/courses/", {**COURSE, "institution": base.pk}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["title"] == "育婴员培训" and created.json()["session_count"] == 0
    assert client.get(f"{API}/courses/").json()["results"][0]["id"] == created.json()["id"]

    url = f"{API}/courses/{created.json()['id']}/sessions/"
    refused = client.post(url, {**SESSION, "capacity": 0}, format="json")
    assert refused.status_code == 400 and "capacity" in refused.json()["fields"]
    refused = client.post(url, {**SESSION, "ends_on": "2026-03-01"}, format="json")
    assert refused.status_code == 400 and "ends_on" in refused.json()["fields"]
    assert not Session.objects.exists()
    session = client.post(url, SESSION, format="json")
    assert session.status_code == 201, session.content
    assert session.json()["capacity"] == 30 and Session.objects.get().course_id == created.json()["id"]


@pytest.mark.parametrize("who", ["other_base", "city_admin", "district_officer", "operator", "mch_assessor"])
def test_api_foreign_users_get_404_on_course_writes(course, base, other_base, users, api_client_for, who):
    user = other_base[1] if who == "other_base" else users[who]
    client = api_client_for(user)
    assert client.post(f"{API}/courses/", {**COURSE, "institution": base.pk}, format="json").status_code == 404
    assert client.post(f"{API}/courses/{course.pk}/sessions/", SESSION, format="json").status_code == 404
    assert Course.objects.count() == 1 and not Session.objects.exists()


def test_api_records_and_lists_assessments_masked(mch, mch_assessor, city_admin, users, api_client_for):
    client = api_client_for(mch_assessor)
    id_number = valid_id_number()
    data = {**assessment_data(id_number), "passed": True}
    refused = client.post(f"{API}/assessments/", {**data, "valid_until": "2026-01-01"}, format="json")
    assert refused.status_code == 400 and "valid_until" in refused.json()["fields"]
    refused = client.post(f"{API}/assessments/", {**data, "id_number": "123"}, format="json")
    assert refused.status_code == 400 and "id_number" in refused.json()["fields"]
    assert not HealthStaffAssessment.objects.exists()
    created = client.post(f"{API}/assessments/", data, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["id_number_masked"] == mask_identifier(id_number)
    assert "id_number" not in created.json() and id_number not in created.content.decode()
    on_gusu_roster(users["operator"], id_number)
    for user in (mch_assessor, city_admin, users["district_officer"]):
        listing = api_client_for(user).get(f"{API}/assessments/")
        assert listing.status_code == 200 and listing.json()["count"] == 1
        assert id_number not in listing.content.decode()


@pytest.mark.parametrize("role", ["city_admin", "district_officer", "training_base", "operator", "inspector"])
def test_api_other_roles_cannot_record_assessments(mch, base, users, api_client_for, role):
    data = {**assessment_data(valid_id_number()), "passed": True}
    assert api_client_for(users[role]).post(f"{API}/assessments/", data, format="json").status_code == 404
    assert not HealthStaffAssessment.objects.exists()


def test_api_assessment_list_is_404_for_other_roles(users, api_client_for):
    for role in ("training_base", "inspector", "statistics_client"):
        assert api_client_for(users[role]).get(f"{API}/assessments/").status_code == 404
