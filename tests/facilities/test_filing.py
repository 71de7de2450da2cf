"""The filing lifecycle through the services: completeness blocks, standards warn, deadlines, numbers."""

from datetime import date

import pytest

from facilities import services
from facilities.models import FacilityVersion, FilingStatus, MaterialKind
from facilities.selectors import facility_review
from suzhou_childcare.audit.models import AuditEntry
from suzhou_childcare.errors import Conflict, NotFound, PermissionDenied, RuleViolation, ValidationFailed

from .factories import complete_draft


def test_a_complete_draft_submits_and_gets_its_record_deadline(operator):
    facility = complete_draft(operator)
    facility = services.facility_submit(actor=operator, facility=facility, today=date(2025, 9, 30))
    assert facility.filing_status == FilingStatus.SUBMITTED
    assert facility.received_on == date(2025, 9, 30)
    # 5 working days, receipt day not counted, over the 2025 National Day holiday and its make-up Saturday.
    assert facility.record_deadline == date(2025, 10, 14)
    assert AuditEntry.objects.filter(action="facility.submit", object_id=str(facility.pk)).exists()


def test_recording_issues_a_number_and_the_notice_deadline(operator, gusu_officer):
    facility = complete_draft(operator)
    services.facility_submit(actor=operator, facility=facility, today=date(2025, 9, 30))
    facility = services.facility_record(actor=gusu_officer, facility=facility, today=date(2025, 10, 9))
    assert facility.filing_status == FilingStatus.FILED
    assert facility.filing_number == "320508-2025-0001"
    assert facility.notice_deadline == date(2025, 10, 28)
    second = complete_draft(operator, name="第二家")
    services.facility_submit(actor=operator, facility=second, today=date(2025, 10, 9))
    second = services.facility_record(actor=gusu_officer, facility=second, today=date(2025, 10, 10))
    assert second.filing_number == "320508-2025-0002"


def test_a_deadline_in_a_year_nobody_entered_is_computed_with_weekends_only(operator):
    facility = complete_draft(operator)
    # 2027's holiday arrangement is not published: weekends only, and no error.
    facility = services.facility_submit(actor=operator, facility=facility, today=date(2027, 3, 1))
    assert facility.record_deadline == date(2027, 3, 8)


def test_the_api_shows_the_warning_for_a_deadline_in_a_year_nobody_entered(operator, api_client_for):
    facility = complete_draft(operator)
    services.facility_submit(actor=operator, facility=facility, today=date(2027, 3, 1))
    body = api_client_for(operator).get(f"/api/v1/facilities/{facility.pk}/").json()
    assert body["record_deadline"] == "2027-03-08"
    assert len(body["deadline_warnings"]) == 1 and "2027" in body["deadline_warnings"][0]
    services_2025 = complete_draft(operator, name="二〇二五")
    services.facility_submit(actor=operator, facility=services_2025, today=date(2025, 9, 30))
    assert api_client_for(operator).get(f"/api/v1/facilities/{services_2025.pk}/").json()["deadline_warnings"] == []


def test_a_submission_missing_a_material_is_refused_and_names_it(operator):
    facility = complete_draft(operator, skip=[MaterialKind.FIRE_SAFETY])
    with pytest.raises(RuleViolation) as info:
        services.facility_submit(actor=operator, facility=facility)
    assert info.value.code == "incomplete"
    assert "materials.fire_safety" in info.value.fields
    assert info.value.clause
    facility.refresh_from_db()
    assert facility.filing_status == FilingStatus.DRAFT


def test_an_over_full_infant_class_warns_but_does_not_block(operator):
    facility = complete_draft(operator)
    cls = facility.classes.get()
    services.facility_class_set(
        actor=operator, facility=facility, facility_class=cls, class_type="infant", capacity=12, enrolled=12, carers=4
    )
    review = facility_review(facility)
    oversize = [f for f in review.warnings if f.code == "class_oversize"]
    assert oversize and "58号" in (oversize[0].source + oversize[0].clause)
    assert not review.blocking
    assert services.facility_submit(actor=operator, facility=facility).filing_status == FilingStatus.SUBMITTED


def test_a_double_submit_is_refused_the_second_time(operator):
    facility = complete_draft(operator)
    services.facility_submit(actor=operator, facility=facility)
    with pytest.raises(Conflict):
        services.facility_submit(actor=operator, facility=facility)
    assert AuditEntry.objects.filter(action="facility.submit", object_id=str(facility.pk)).count() == 1


def test_only_the_units_officer_records(operator, gusu_officer, wujiang_officer, city_admin):
    facility = complete_draft(operator)
    services.facility_submit(actor=operator, facility=facility)
    with pytest.raises(NotFound):
        services.facility_record(actor=wujiang_officer, facility=facility)
    with pytest.raises(PermissionDenied):
        services.facility_record(actor=operator, facility=facility)
    with pytest.raises(PermissionDenied):
        services.facility_record(actor=city_admin, facility=facility)
    facility.refresh_from_db()
    assert facility.filing_number is None


def test_reject_returns_to_draft_with_reasons(operator, gusu_officer):
    facility = complete_draft(operator)
    services.facility_submit(actor=operator, facility=facility)
    with pytest.raises(ValidationFailed):
        services.facility_reject(actor=gusu_officer, facility=facility, reason="  ")
    facility = services.facility_reject(actor=gusu_officer, facility=facility, reason="消防验收材料不清晰，请重新上传")
    assert facility.filing_status == FilingStatus.DRAFT
    assert facility.review_reasons.startswith("消防")


def test_nonconforming_needs_reasons_and_can_be_corrected_and_resubmitted(operator, gusu_officer):
    facility = complete_draft(operator)
    services.facility_submit(actor=operator, facility=facility)
    facility = services.facility_record(actor=gusu_officer, facility=facility)
    number = facility.filing_number
    with pytest.raises(ValidationFailed):
        services.facility_verify(actor=gusu_officer, facility=facility, conforming=False, reasons="")
    facility = services.facility_verify(
        actor=gusu_officer, facility=facility, conforming=False, reasons="乳儿班超员，保育人员配比不足"
    )
    assert facility.filing_status == FilingStatus.NONCONFORMING
    services.facility_update(actor=operator, facility=facility, data={"enrolled": 8})
    facility = services.facility_submit(actor=operator, facility=facility)
    facility = services.facility_record(actor=gusu_officer, facility=facility)
    assert facility.filing_number == number  # the number stays with the facility
    facility = services.facility_verify(actor=gusu_officer, facility=facility, conforming=True)
    assert facility.filing_status == FilingStatus.VERIFIED


def test_a_change_filing_keeps_the_filed_record_in_force_until_recorded(operator, gusu_officer):
    facility = complete_draft(operator)
    services.facility_submit(actor=operator, facility=facility)
    facility = services.facility_record(actor=gusu_officer, facility=facility)
    facility = services.facility_start_change(actor=operator, facility=facility)
    services.facility_update(actor=operator, facility=facility, data={"slots": 60, "address": "新地址8号"})
    facility.refresh_from_db()
    assert (facility.slots, facility.address) == (40, "姑苏区人民路100号")  # still the filed version
    assert facility.pending_changes["slots"] == 60
    facility = services.facility_record(actor=gusu_officer, facility=facility)
    assert (facility.slots, facility.address, facility.pending_changes) == (60, "新地址8号", {})
    assert facility.filing_status == FilingStatus.FILED


def test_a_filed_record_cannot_be_edited_in_place(operator, gusu_officer):
    facility = complete_draft(operator)
    services.facility_submit(actor=operator, facility=facility)
    facility = services.facility_record(actor=gusu_officer, facility=facility)
    with pytest.raises(Conflict):
        services.facility_update(actor=operator, facility=facility, data={"slots": 99})


def test_cancellation_closes_the_facility_and_its_history_shows_it(operator):
    facility = complete_draft(operator)
    facility = services.facility_cancel(actor=operator, facility=facility, reason="停止办托")
    assert facility.filing_status == FilingStatus.CANCELLED
    assert facility.closed_on is not None
    current = FacilityVersion.objects.get(facility=facility, valid_to__isnull=True)
    assert current.closed_on == facility.closed_on
    with pytest.raises(Conflict):
        services.facility_cancel(actor=operator, facility=facility)


def test_a_1_plus_n_site_may_share_its_hubs_code_but_nobody_else_may(operator):
    hub = complete_draft(operator, name="综合服务中心", form="comprehensive_center")
    site = services.facility_create(
        actor=operator,
        data={"name": "社区站点", "category": "social", "district": "320508", "hub": hub, "uscc": hub.uscc},
    )
    assert site.uscc == hub.uscc
    with pytest.raises(ValidationFailed) as info:
        services.facility_create(
            actor=operator, data={"name": "别家", "category": "social", "district": "320508", "uscc": hub.uscc}
        )
    assert "uscc" in info.value.fields


def test_each_step_notifies_the_other_side(operator, gusu_officer, wujiang_officer):
    from suzhou_childcare.notices.models import Notice

    facility = complete_draft(operator)
    services.facility_submit(actor=operator, facility=facility)
    assert list(Notice.objects.filter(kind="filing.submitted").values_list("recipient__username", flat=True)) == [
        "gusu_officer"
    ]
    facility = services.facility_record(actor=gusu_officer, facility=facility)
    recorded = Notice.objects.get(kind="filing.recorded")
    assert recorded.recipient == operator and facility.filing_number in recorded.title
    assert recorded.link == f"/facilities/{facility.pk}/"
    services.facility_verify(actor=gusu_officer, facility=facility, conforming=False, reasons="观察室面积不足")
    assert "观察室面积不足" in Notice.objects.get(kind="filing.nonconforming").body
    assert not Notice.objects.filter(recipient=wujiang_officer).exists()
