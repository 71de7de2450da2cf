"""Data-subject requests: everything held about one person, only theirs, audited with the reason."""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from suzhou_childcare.accounts.services import account_set_id_number
from suzhou_childcare.audit.models import AuditEntry
from suzhou_childcare.errors import PermissionDenied, ValidationFailed
from suzhou_childcare.privacy import services
from training.models import Course, Institution, TrainingRecord

from ..facilities.factories import valid_id_number
from .helpers import closed_facility, complaint, person_of, staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Sheet titles are translated; the tests read them in the source language."""
    from django.utils import translation

    with translation.override("en"):
        yield


SUBJECT_ID = "11010519491231002X"
SUBJECT = "欧阳明远"
PHONE = "13912345678"
REASON = "本人2026年6月1日书面申请查阅（编号SAR-7）"


@pytest.fixture
def records(operator, gusu_officer, city_admin, make_user):
    facility = closed_facility(operator, name="小苗托育园", closed_on=None)
    mine = staff(operator, facility, name=SUBJECT, id_number=SUBJECT_ID)
    other = staff(operator, facility, name="路人甲乙", id_number=valid_id_number())
    institution = Institution.objects.create(name="苏州市托育人才培训基地", kind="training_base")
    course = Course.objects.create(
        institution=institution, title="保育人员岗位培训", target="carer", hours=Decimal("40")
    )
    for member, number in ((mine, "PX-MINE-1"), (other, "PX-OTHER-1")):
        TrainingRecord.objects.create(
            person_id=member.person_id,
            course=course,
            hours=Decimal("40"),
            result="passed",
            completed_on=date(2025, 3, 1),
            certificate_number=number,
            recorded_by=city_admin,
        )
    account = make_user("operator", username="ouyang_account", first_name=SUBJECT)
    account_set_id_number(actor=None, user=account, id_number=SUBJECT_ID)
    mine_complaint = complaint(gusu_officer, name=SUBJECT, phone=PHONE, closed_on=None)
    namesake = complaint(gusu_officer, name=SUBJECT, phone="13700000000", closed_on=None)
    return {"mine": mine, "other": other, "account": account, "complaint": mine_complaint, "namesake": namesake}


def _sheets(content: bytes) -> dict[str, list[list]]:
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    return {ws.title: [list(row) for row in ws.iter_rows(values_only=True)] for ws in workbook.worksheets}


def _text(sheets) -> str:
    return json.dumps(sheets, ensure_ascii=False, default=str)


def test_export_holds_the_persons_records_and_only_theirs(records, city_admin):
    export = services.subject_export(
        actor=city_admin, reason=REASON, id_number=SUBJECT_ID.lower(), name=SUBJECT, phone="+86 139 1234 5678"
    )
    sheets = _sheets(export.content)
    assert {"Accounts", "Persons", "Employments", "Training records", "Complaints", "Audit trail"} <= set(sheets)
    assert [row[0] for row in sheets["Accounts"][1:]] == [records["account"].pk]
    assert [row[0] for row in sheets["Persons"][1:]] == [records["mine"].person_id]
    assert sheets["Persons"][1][1:3] == [SUBJECT, SUBJECT_ID]
    assert [row[0] for row in sheets["Employments"][1:]] == [records["mine"].pk]
    assert [row[6] for row in sheets["Training records"][1:]] == ["PX-MINE-1"]
    # The namesake with another telephone is another person.
    assert [row[0] for row in sheets["Complaints"][1:]] == [records["complaint"].pk]
    text = _text(sheets)
    assert "路人甲乙" not in text and "PX-OTHER-1" not in text and "13700000000" not in text


def test_export_is_audited_with_the_reason_and_ids_only(records, city_admin):
    services.subject_export(actor=city_admin, reason=REASON, id_number=SUBJECT_ID, name=SUBJECT, phone=PHONE)
    entry = AuditEntry.objects.get(action="privacy.subject_export")
    assert entry.actor == city_admin
    assert entry.reason == REASON
    assert entry.after["ids"]["persons"] == [records["mine"].person_id]
    assert entry.after["counts"]["complaints"] == 1
    stored = json.dumps([entry.before, entry.after, entry.object_repr], ensure_ascii=False)
    assert SUBJECT_ID not in stored and PHONE not in stored and SUBJECT not in stored


def test_unknown_person_gets_an_empty_valid_workbook_and_is_audited(records, city_admin):
    export = services.subject_export(actor=city_admin, reason=REASON, id_number=valid_id_number())
    assert not export.found
    sheets = _sheets(export.content)
    assert any("No record about this person was found." in str(row) for row in sheets["Summary"])
    assert sheets["Persons"] == [sheets["Persons"][0]]
    assert AuditEntry.objects.filter(action="privacy.subject_export").count() == 1


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({"id_number": SUBJECT_ID, "reason": ""}, {"reason"}),
        ({"reason": REASON}, {"id_number"}),
        ({"name": SUBJECT, "reason": REASON}, {"phone"}),
        ({"id_number": "320502198501010000", "reason": REASON}, {"id_number"}),
    ],
)
def test_bad_input_is_refused_field_by_field_and_not_audited(city_admin, data, fields):
    with pytest.raises(ValidationFailed) as exc:
        services.subject_export(actor=city_admin, **data)
    assert set(exc.value.fields) == fields
    assert not AuditEntry.objects.filter(action="privacy.subject_export").exists()


def test_only_the_city_admin_may_export(records, gusu_officer):
    with pytest.raises(PermissionDenied):
        services.subject_export(actor=gusu_officer, reason=REASON, id_number=SUBJECT_ID)


def test_page_downloads_the_workbook(records, city_admin, web_client_for):
    response = web_client_for(city_admin).post(
        "/privacy/subject/", {"id_number": SUBJECT_ID, "name": "", "phone": "", "reason": REASON}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"] and SUBJECT_ID not in response["Content-Disposition"]
    # By position: the page answers in the admin's language. Summary, Accounts, Persons, Employments, ...
    employments = list(_sheets(response.content).values())[3]
    assert [row[0] for row in employments[1:]] == [records["mine"].pk]
    assert person_of(records["mine"]).name == SUBJECT


def test_page_says_clearly_when_nobody_is_found(city_admin, web_client_for):
    response = web_client_for(city_admin).post(
        "/privacy/subject/", {"id_number": valid_id_number(), "name": "", "phone": "", "reason": REASON}
    )
    assert response.status_code == 200
    assert 'id="not-found"' in response.content.decode()


def test_page_shows_errors_on_bad_input(city_admin, web_client_for):
    response = web_client_for(city_admin).post(
        "/privacy/subject/", {"id_number": "12345", "name": "", "phone": "", "reason": REASON}
    )
    assert response.status_code == 400
    assert "GB 11643" in response.content.decode()


@pytest.mark.parametrize("role", ["district_officer", "operator"])
def test_other_roles_cannot_post_an_export(records, users, web_client_for, role):
    response = web_client_for(users[role]).post("/privacy/subject/", {"id_number": SUBJECT_ID, "reason": REASON})
    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action="privacy.subject_export").exists()
