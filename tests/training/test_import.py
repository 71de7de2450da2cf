"""Importing a session's roster and results from Excel: every row or none, problems named by row and column."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from suzhou_childcare.crypto import mask_identifier
from suzhou_childcare.errors import PermissionDenied, ValidationFailed
from tests.facilities.factories import valid_id_number
from training import importing
from training.models import CourseTarget, InstitutionKind, TrainingRecord, TrainingResult
from training.services import records as services

pytestmark = pytest.mark.django_db

START = date(2026, 3, 2)
HEADER = ["姓名", "身份证号码", "学时", "结果", "结业日期", "证书编号", "证书有效期至"]


@pytest.fixture
def session(city_admin, training_base):
    base = services.institution_create(
        actor=city_admin, name="苏州市托育人才培训基地", kind=InstitutionKind.TRAINING_BASE, accounts=[training_base]
    )
    course = services.course_create(
        actor=training_base,
        institution=base,
        title="保育师职业培训",
        target=CourseTarget.NURSERY_TEACHER,
        hours=Decimal("80"),
        subsidy_eligible=True,
        certificate_valid_months=24,
    )
    return services.session_create(
        actor=training_base, course=course, starts_on=START, ends_on=START + timedelta(days=9), capacity=30
    )


def workbook(rows, header=HEADER, sheet="培训结果") -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(header)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def row(name="李娜", id_number=None, hours=80, result="合格", completed="2026-03-11", number="", until=None):
    return [name, id_number or valid_id_number(), hours, result, completed, number, until]


def test_valid_roster_creates_every_record(session, training_base):
    ids = [valid_id_number() for _ in range(3)]
    data = workbook(
        [
            row(id_number=ids[0], number="SZ-001"),
            row(name="王丽", id_number=ids[1], result="不合格", hours=60),
            row(name="张敏", id_number=ids[2], completed=date(2026, 3, 11), until=date(2027, 1, 1)),
        ]
    )
    result = importing.import_session_results(actor=training_base, session=session, data=data)
    assert result.ok and result.created == 3
    records = {r.person.name: r for r in TrainingRecord.objects.select_related("person")}
    assert records["李娜"].certificate_valid_until == date(2028, 3, 11)
    assert records["李娜"].certificate_number == "SZ-001"
    assert records["王丽"].result == TrainingResult.FAILED and records["王丽"].hours == Decimal("60")
    assert records["张敏"].certificate_valid_until == date(2027, 1, 1)


def test_one_invalid_id_number_imports_nothing_and_names_the_row(session, training_base):
    data = workbook([row(), row(name="王丽", id_number="320502198501010000"), row(name="张敏")])
    result = importing.import_session_results(actor=training_base, session=session, data=data)
    assert not result.ok and result.created == 0
    assert [(e.row, e.column) for e in result.errors] == [(3, "身份证号码")]
    assert not TrainingRecord.objects.exists()


def test_every_problem_is_reported(session, training_base):
    same = valid_id_number()
    data = workbook(
        [
            row(id_number=same),
            row(name="", id_number=same, hours="许多", result="优秀", completed="昨天"),
        ]
    )
    result = importing.import_session_results(actor=training_base, session=session, data=data)
    columns = {(e.row, e.column) for e in result.errors}
    assert {(3, "姓名"), (3, "学时"), (3, "结果"), (3, "结业日期")} <= columns
    assert not TrainingRecord.objects.exists()


def test_duplicate_person_and_capacity_are_row_errors(session, training_base):
    session.capacity = 2
    session.save(update_fields=["capacity"])
    same = valid_id_number()
    result = importing.import_session_results(
        actor=training_base, session=session, data=workbook([row(id_number=same), row(id_number=same), row(), row()])
    )
    assert (3, "身份证号码") in {(e.row, e.column) for e in result.errors}
    assert 5 in {e.row for e in result.errors}
    assert not TrainingRecord.objects.exists()


def test_file_problems_raise(session, training_base):
    with pytest.raises(ValidationFailed):
        importing.import_session_results(actor=training_base, session=session, data=b"not a workbook")
    with pytest.raises(ValidationFailed) as exc:
        importing.import_session_results(
            actor=training_base, session=session, data=workbook([row()], header=HEADER[:3])
        )
    assert "结果" in exc.value.fields["workbook"][0]


def test_only_the_institution_imports(session, gusu_officer):
    with pytest.raises(PermissionDenied):
        importing.import_session_results(actor=gusu_officer, session=session, data=workbook([row()]))


def test_template_has_the_columns(session, training_base, web_client_for):
    response = web_client_for(training_base).get(reverse("training:records_import_template"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content))["培训结果"]
    assert [cell.value for cell in sheet[1]] == HEADER


def test_import_page_names_the_row_in_chinese(session, training_base, web_client_for):
    bad = "320502198501010000"
    data = workbook([row(), row(id_number=bad)])
    client = web_client_for(training_base)
    url = reverse("training:records_import", kwargs={"pk": session.pk})
    response = client.post(url, {"workbook": _upload(data)})
    assert response.status_code == 400
    body = response.content.decode()
    assert "第3行" in body and "身份证号码" in body
    assert not TrainingRecord.objects.exists()
    good = valid_id_number()
    response = client.post(url, {"workbook": _upload(workbook([row(id_number=good)]))})
    assert response.status_code == 302
    page = client.get(reverse("training:records_session", kwargs={"pk": session.pk})).content.decode()
    assert mask_identifier(good) in page and good not in page


def test_foreign_institution_cannot_import(session, city_admin, make_user, web_client_for):
    from suzhou_childcare.accounts.models import Role

    account = make_user(Role.TRAINING_BASE, username="other_base")
    services.institution_create(
        actor=city_admin, name="吴江区托育培训基地", kind=InstitutionKind.TRAINING_BASE, accounts=[account]
    )
    url = reverse("training:records_import", kwargs={"pk": session.pk})
    response = web_client_for(account).post(url, {"workbook": _upload(workbook([row()]))})
    assert response.status_code == 404
    assert not TrainingRecord.objects.exists()


def _upload(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("results.xlsx", data, content_type=importing.XLSX_CONTENT_TYPE)


def test_a_valid_roster_updates_the_facilitys_compliance(session, training_base, operator, settings, tmp_path):
    """The director's post training arrives by import; the facility's gap for it closes at once."""
    from facilities.models import Facility
    from tests.facilities.factories import complete_draft
    from training.services.compliance import facility_compliance_refresh
    from training.services.records import course_create, session_create

    settings.MEDIA_ROOT = tmp_path
    facility = complete_draft(operator)
    director = facility.staff.get(role="director")
    from django.utils import timezone

    today = timezone.localdate()
    facility_compliance_refresh(facility=facility, today=today)
    facility.refresh_from_db()
    assert {"role": "director", "person": director.name, "requirement": "director_training"}.items() <= next(
        g for g in facility.training_gaps if g["requirement"] == "director_training"
    ).items()
    course = course_create(
        actor=training_base,
        institution=session.course.institution,
        title="负责人岗位培训",
        target="director",
        hours=Decimal("60"),
    )
    director_session = session_create(
        actor=training_base, course=course, starts_on=today - timedelta(days=10), ends_on=today, capacity=30
    )
    data = workbook(
        [row(name=director.name, id_number=director.person.id_number, hours=60, completed=today.isoformat())]
    )
    result = importing.import_session_results(actor=training_base, session=director_session, data=data)
    assert result.created == 1
    facility = Facility.objects.get(pk=facility.pk)
    assert facility.training_checked_on is not None
    assert [g for g in facility.training_gaps if g["requirement"] == "director_training"] == []


def test_the_director_training_minimum_is_a_standard_the_city_can_change(
    session, training_base, operator, city_admin, settings, tmp_path
):
    from datetime import timedelta as td

    from django.utils import timezone

    from facilities.models import Facility
    from facilities.services import standard_rule_new_version
    from tests.facilities.factories import complete_draft
    from training.services.compliance import facility_compliance_refresh
    from training.services.records import course_create, session_create

    settings.MEDIA_ROOT = tmp_path
    today = timezone.localdate()
    facility = complete_draft(operator)
    director = facility.staff.get(role="director")
    course = course_create(
        actor=training_base,
        institution=session.course.institution,
        title="负责人岗位培训",
        target="director",
        hours=Decimal("60"),
    )
    director_session = session_create(
        actor=training_base, course=course, starts_on=today - td(days=10), ends_on=today, capacity=30
    )
    data = workbook(
        [row(name=director.name, id_number=director.person.id_number, hours=60, completed=today.isoformat())]
    )
    importing.import_session_results(actor=training_base, session=director_session, data=data)
    gaps = lambda: [  # noqa: E731
        g for g in Facility.objects.get(pk=facility.pk).training_gaps if g["requirement"] == "director_training"
    ]
    assert gaps() == []
    standard_rule_new_version(
        actor=city_admin,
        code="director.min_post_training_hours",
        value=80,
        effective_from=today - td(days=1),
        clause="本市规定：负责人岗位培训不少于80学时",
        source="苏卫示例〔2026〕",
        is_default=False,
    )
    facility_compliance_refresh(facility=facility, today=today)
    assert len(gaps()) == 1
