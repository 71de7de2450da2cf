"""Edge cases found in review: dates of re-inspections, huge ids, answered orders, odd periods."""

from datetime import date

import pytest

from inspections.models import RectificationOrder
from inspections.selectors.records import overdue_orders_for
from suzhou_childcare.errors import ValidationFailed

from .factories import facility_of, finding_on, inspection_of


@pytest.mark.parametrize(
    "path", ["penalties", "inspections", "rectifications", "assessments", "incidents", "self-inspections"]
)
def test_a_huge_facility_filter_is_a_400_not_a_server_error(gusu_officer, api_client_for, path):
    response = api_client_for(gusu_officer).get(f"/api/v1/{path}/", {"facility": "99999999999999999999"})
    assert response.status_code == 400


def test_a_reinspection_cannot_be_dated_before_its_order(operator, gusu_officer, gusu_inspector):
    facility = facility_of(operator)
    inspection = inspection_of(
        facility, actor=gusu_officer, inspectors=[gusu_inspector], inspected_on=date(2025, 9, 30)
    )
    finding = finding_on(inspection, actor=gusu_officer, weight="serious")
    order = RectificationOrder.objects.get(finding=finding)
    with pytest.raises(ValidationFailed) as refused:
        inspection_of(
            facility,
            actor=gusu_officer,
            inspectors=[gusu_inspector],
            kind="follow_up",
            follow_up_of=order,
            inspected_on=date(2024, 1, 2),
        )
    assert "inspected_on" in refused.value.fields


def test_an_order_answered_in_time_is_not_overdue(gusu_officer, gusu_inspector, operator):
    from datetime import timedelta

    from django.utils import timezone

    from inspections.services.rectification import order_respond

    facility = facility_of(operator)
    inspection = inspection_of(
        facility, actor=gusu_officer, inspectors=[gusu_inspector], inspected_on=timezone.localdate()
    )
    answered = RectificationOrder.objects.get(finding=finding_on(inspection, actor=gusu_officer, weight="serious"))
    left = RectificationOrder.objects.get(finding=finding_on(inspection, actor=gusu_officer, weight="serious"))
    order_respond(actor=operator, order=answered, response="已整改完毕，附照片。")
    after_deadline = answered.deadline + timedelta(days=1)
    overdue = set(overdue_orders_for(user=gusu_officer, today=after_deadline).values_list("pk", flat=True))
    assert overdue == {left.pk}


def test_the_missing_self_inspections_page_survives_a_far_date(gusu_officer, web_client_for):
    response = web_client_for(gusu_officer).get("/supervision/self-inspections/missing/", {"period": "9999-12-31"})
    assert response.status_code == 200
