"""Personal data and the audit trail: snapshots keep it masked, and every reveal or download of it is audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from facilities import services as facility_services
from facilities.models import StaffMember
from inspections.services import complaints as complaint_services
from suzhou_childcare.accounts.services import account_set_id_number
from suzhou_childcare.audit.models import AuditEntry
from suzhou_childcare.audit.services import audit_snapshot, mask_personal
from suzhou_childcare.privacy import personal_data

from ..accounts.factories import district
from ..facilities.factories import complete_draft, valid_id_number

pytestmark = pytest.mark.django_db

ID_NUMBER = "11010519491231002X"


def test_mask_personal_keeps_the_first_and_last_character():
    assert mask_personal("李小娜") == "李*娜"
    assert mask_personal("13912345678") == "1*********8"
    assert mask_personal("王丽") == "**"
    assert mask_personal("") == ""
    assert mask_personal(None) is None


def test_fields_listed_as_personal_data_are_masked_in_the_trail(operator, monkeypatch):
    facility = complete_draft(operator)
    monkeypatch.setattr(personal_data, "PERSONAL_FIELDS", {"facilities.staffmember": {"name", "qualification"}})
    member = facility_services.staff_add(
        actor=operator,
        facility=facility,
        name="李小娜",
        id_number=valid_id_number(),
        role="carer",
        employed_from=timezone.localdate() - timedelta(days=3),
        qualification="保育师三级",
    )
    entry = AuditEntry.objects.filter(action="facility.staff_add").latest("id")
    assert entry.after["name"] == "李*娜"
    assert entry.after["qualification"] == "保***级"
    assert entry.after["role"] == "carer"  # not personal data: kept as it is
    # The roster itself keeps the real values.
    assert StaffMember.objects.get(pk=member.pk).name == "李小娜"


def test_the_mapping_is_read_when_the_snapshot_is_taken(operator, monkeypatch):
    facility = complete_draft(operator)
    member = facility.staff.first()
    monkeypatch.setattr(personal_data, "PERSONAL_FIELDS", {})
    assert audit_snapshot(member)["name"] == member.name  # nothing listed
    monkeypatch.setattr(personal_data, "PERSONAL_FIELDS", {"facilities.staffmember": {"name"}})
    assert audit_snapshot(member)["name"] == "*" * len(member.name)  # two-character names: all stars
    monkeypatch.setattr(personal_data, "PERSONAL_FIELDS", {"facilities.staffmember": set()})
    assert audit_snapshot(member)["name"] == member.name


def test_encrypted_fields_stay_masked_whatever_the_mapping(gusu_officer, monkeypatch):
    monkeypatch.setattr(personal_data, "PERSONAL_FIELDS", {"accounts.user": {"first_name"}})
    account_set_id_number(actor=None, user=gusu_officer, id_number=ID_NUMBER)
    gusu_officer.first_name = "小明"
    snapshot = audit_snapshot(gusu_officer)
    assert snapshot["id_number"] == "1101**********002X"
    assert snapshot["first_name"] == "**"
    assert "password" not in snapshot


# --- reveals ----------------------------------------------------------------------------------------------------


def test_revealing_an_id_number_on_the_page_is_audited_with_the_reason(gusu_officer, gusu_inspector, web_client_for):
    account_set_id_number(actor=None, user=gusu_inspector, id_number=ID_NUMBER)
    web = web_client_for(gusu_officer)
    response = web.post(f"/accounts/{gusu_inspector.pk}/reveal/", {"reason": "核查实名信息"})
    assert response.status_code == 200
    assert ID_NUMBER in response.content.decode()
    entry = AuditEntry.objects.get(action="personal_data.reveal")
    assert (entry.actor, entry.object_id, entry.reason) == (gusu_officer, str(gusu_inspector.pk), "核查实名信息")


def test_revealing_a_complainants_contact_on_the_page_is_audited(gusu_officer, wujiang_officer, web_client_for):
    complaint = complaint_services.complaint_submit_public(
        district=district("320508"),
        facility_name="苏州小苗托育中心",
        subject="午睡室无人看护",
        description="午睡时间没有保育人员。",
        complainant_name="王小明",
        complainant_phone="13912345678",
    )
    url = reverse("inspections:complaint_detail", args=[complaint.pk])
    # Another unit's officer: 404, and nothing revealed or recorded.
    assert web_client_for(wujiang_officer).post(url, {"action": "reveal", "reason": "电话回访"}).status_code == 404
    assert not AuditEntry.objects.filter(action="personal_data.reveal").exists()

    response = web_client_for(gusu_officer).post(url, {"action": "reveal", "reason": "电话回访投诉人"})
    assert response.status_code == 200
    assert "13912345678" in response.content.decode()
    entry = AuditEntry.objects.get(action="personal_data.reveal")
    assert (entry.actor, entry.object_id, entry.reason) == (gusu_officer, str(complaint.pk), "电话回访投诉人")
    assert "13912345678" not in str(entry.after) and "王小明" not in entry.object_repr


# --- downloads --------------------------------------------------------------------------------------------------


def test_downloading_a_filing_material_is_audited_against_the_facility(
    operator, gusu_officer, wujiang_officer, api_client_for
):
    facility = complete_draft(operator)
    material = facility.materials.get(kind="staff_qualifications")
    url = f"/api/v1/facilities/{facility.pk}/materials/{material.pk}/"

    assert api_client_for(wujiang_officer).get(url).status_code == 404
    assert not AuditEntry.objects.filter(action="personal_data.download").exists()

    response = api_client_for(gusu_officer).get(url)
    assert response.status_code == 200
    b"".join(response.streaming_content)
    entry = AuditEntry.objects.get(action="personal_data.download")
    assert entry.actor == gusu_officer
    assert (entry.content_type.model, entry.object_id) == ("facility", str(facility.pk))
    assert entry.after == {"material": material.pk, "kind": "staff_qualifications"}
    # The file's own name (which may name a person) is not copied into the trail.
    assert material.original_name not in entry.object_repr
