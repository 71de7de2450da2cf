"""Rectification orders: the operator's response, closure after a passed re-inspection, the overdue list
(escalated to the city), daily reminders (in-process mode), and the order pages."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inspections.models import Evidence, InspectionKind, ItemResult, OrderStatus, RectificationOrder
from inspections.selectors.records import order_list_for, overdue_facilities_for, overdue_orders_for
from inspections.services import rectification
from inspections.tasks import rectification_reminders
from suzhou_childcare.audit.models import AuditEntry
from suzhou_childcare.errors import Conflict, NotFound, PermissionDenied, RuleViolation, ValidationFailed
from suzhou_childcare.notices.models import Notice
from suzhou_childcare.outbox.models import MessageStatus, OutboxMessage
from suzhou_childcare.outbox.services import enqueue

from .factories import (
    WUJIANG,
    completed,
    facility_of,
    finding_on,
    inspection_of,
    inspector_of,
    operator_account,
    upload,
)

pytestmark = pytest.mark.django_db
DAY = date(2025, 9, 30)
DEADLINE = date(2025, 10, 11)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def facility(operator):
    return facility_of(operator)


@pytest.fixture
def wujiang_inspector(db):
    return inspector_of(WUJIANG, username="wujiang_inspector")


@pytest.fixture
def other_operator(db):
    return operator_account(username="other_operator")


@pytest.fixture
def order(facility, gusu_inspector) -> RectificationOrder:
    inspection = inspection_of(facility, actor=gusu_inspector, inspected_on=DAY)
    return finding_on(inspection, actor=gusu_inspector, weight="serious", description="一键报警按钮失灵").order


@pytest.fixture
def foreign_order(other_operator, wujiang_officer):
    """An order of a 吴江区 facility run by another operator."""
    facility = facility_of(other_operator, district_code=WUJIANG, name="吴江小海豚托育园")
    inspector = inspector_of(WUJIANG, username="wujiang_inspector_2")
    inspection = inspection_of(facility, actor=inspector, inspected_on=DAY)
    return finding_on(inspection, actor=inspector, weight="moderate", description="晨检记录缺失").order


def follow_up(order, inspector, *, rectified: bool = True):
    inspection = inspection_of(
        order.facility, actor=inspector, kind=InspectionKind.FOLLOW_UP, follow_up_of=order, inspected_on=DAY
    )
    verdict = ItemResult.PASS if rectified else ItemResult.FAIL
    return completed(inspection, actor=inspector, rectification=verdict)


# --- the operator's response ------------------------------------------------------------------------------


def test_the_operator_responds_with_a_photo_and_the_unit_is_told(media, order, operator, gusu_officer):
    answered = rectification.order_respond(
        actor=operator, order=order, response="已更换报警按钮并测试", evidence=upload("png")
    )
    assert (answered.status, answered.responded_on) == (OrderStatus.RESPONDED, timezone.localdate())
    assert answered.evidence.count() == 1
    notice = Notice.objects.get(recipient=gusu_officer, kind="rectification.responded")
    assert order.facility.name in notice.title
    assert AuditEntry.objects.filter(action="rectification.respond", object_id=str(order.facility_id)).exists()
    with pytest.raises(Conflict):
        rectification.order_respond(actor=operator, order=order, response="再次回复")


def test_a_response_needs_text_and_an_accepted_file(media, order, operator):
    with pytest.raises(ValidationFailed) as refused:
        rectification.order_respond(actor=operator, order=order, response=" ", evidence=upload("exe"))
    assert set(refused.value.fields) == {"response", "evidence"}
    order.refresh_from_db()
    assert order.status == OrderStatus.OPEN
    assert not Evidence.objects.exists() and not (media / "evidence").exists()


def test_only_the_facilitys_operator_responds(order, gusu_inspector, other_operator, wujiang_officer):
    with pytest.raises(PermissionDenied):
        rectification.order_respond(actor=gusu_inspector, order=order, response="代为回复")
    for stranger in (other_operator, wujiang_officer):
        with pytest.raises(NotFound):
            rectification.order_respond(actor=stranger, order=order, response="回复")


# --- closure ----------------------------------------------------------------------------------------------


def test_a_passed_re_inspection_closes_the_order(order, operator, gusu_inspector, gusu_officer):
    rectification.order_respond(actor=operator, order=order, response="已整改")
    reinspection = follow_up(order, gusu_inspector)
    closed = rectification.order_close(actor=gusu_officer, order=order, reinspection=reinspection)
    assert (closed.status, closed.closed_by, closed.closed_on) == (
        OrderStatus.CLOSED,
        gusu_officer,
        timezone.localdate(),
    )
    assert Notice.objects.filter(recipient=operator, kind="rectification.closed").exists()
    with pytest.raises(Conflict):
        rectification.order_close(actor=gusu_officer, order=order, reinspection=reinspection)


def test_an_order_without_a_response_closes_too_when_the_re_inspection_passed(order, gusu_inspector):
    reinspection = follow_up(order, gusu_inspector)
    assert rectification.order_close(actor=gusu_inspector, order=order, reinspection=reinspection).status == "closed"


def test_a_failed_re_inspection_keeps_the_order_open(order, gusu_inspector):
    reinspection = follow_up(order, gusu_inspector, rectified=False)
    with pytest.raises(RuleViolation) as refused:
        rectification.order_close(actor=gusu_inspector, order=order, reinspection=reinspection)
    assert refused.value.clause and "第四十一条" in refused.value.clause
    order.refresh_from_db()
    assert order.status == OrderStatus.OPEN


def test_closing_needs_a_completed_re_inspection_of_that_order(order, facility, gusu_inspector):
    routine = completed(inspection_of(facility, actor=gusu_inspector), actor=gusu_inspector)
    with pytest.raises(ValidationFailed) as refused:
        rectification.order_close(actor=gusu_inspector, order=order, reinspection=routine)
    assert "reinspection" in refused.value.fields
    in_progress = inspection_of(facility, actor=gusu_inspector, kind=InspectionKind.FOLLOW_UP, follow_up_of=order)
    with pytest.raises(ValidationFailed):
        rectification.order_close(actor=gusu_inspector, order=order, reinspection=in_progress)


def test_the_operator_and_foreign_staff_do_not_close(order, operator, gusu_inspector, wujiang_inspector):
    reinspection = follow_up(order, gusu_inspector)
    with pytest.raises(PermissionDenied):
        rectification.order_close(actor=operator, order=order, reinspection=reinspection)
    with pytest.raises(NotFound):
        rectification.order_close(actor=wujiang_inspector, order=order, reinspection=reinspection)


# --- the overdue list -------------------------------------------------------------------------------------


def test_missing_the_deadline_puts_the_order_and_facility_on_the_overdue_list(order, gusu_officer):
    on_the_day = DEADLINE
    after = date(2025, 10, 13)
    assert not overdue_orders_for(user=gusu_officer, today=on_the_day).exists()
    assert list(overdue_orders_for(user=gusu_officer, today=after)) == [order]
    (facility,) = overdue_facilities_for(user=gusu_officer, today=after)
    assert (facility, facility.overdue_orders, facility.first_missed) == (order.facility, 1, DEADLINE)
    assert order_list_for(user=gusu_officer, today=after).get().is_overdue is True


def test_a_closed_order_is_never_overdue(order, gusu_inspector, gusu_officer):
    rectification.order_close(actor=gusu_inspector, order=order, reinspection=follow_up(order, gusu_inspector))
    assert not overdue_orders_for(user=gusu_officer, today=date(2026, 1, 1)).exists()
    assert not overdue_facilities_for(user=gusu_officer, today=date(2026, 1, 1)).exists()


def test_a_responded_order_past_its_deadline_is_still_overdue_until_closed(order, operator, gusu_officer):
    rectification.order_respond(actor=operator, order=order, response="已整改，请复查")
    assert list(overdue_orders_for(user=gusu_officer, today=date(2025, 10, 20))) == [order]


def test_overdue_orders_escalate_to_the_city_list(
    order, foreign_order, city_admin, citywide_inspector, gusu_officer, wujiang_officer, operator
):
    later = date(2025, 12, 1)
    assert set(overdue_orders_for(user=city_admin, today=later)) == {order, foreign_order}
    assert set(overdue_orders_for(user=citywide_inspector, today=later)) == {order, foreign_order}
    assert list(overdue_orders_for(user=gusu_officer, today=later)) == [order]
    assert list(overdue_orders_for(user=wujiang_officer, today=later)) == [foreign_order]
    assert list(overdue_orders_for(user=operator, today=later)) == [order]


# --- reminders --------------------------------------------------------------------------------------------


def test_reminders_go_once_a_day_from_two_working_days_before_the_deadline(order, operator, gusu_officer):
    assert rectification.orders_remind_due(today=date(2025, 9, 30)) == 0  # 11 Oct is further than 2 working days
    assert rectification.orders_remind_due(today=date(2025, 10, 9)) == 1  # 10 and 11 Oct are the next two
    assert rectification.orders_remind_due(today=date(2025, 10, 9)) == 0
    order.refresh_from_db()
    assert order.reminded_on == date(2025, 10, 9)
    due = Notice.objects.filter(kind="rectification.due")
    assert sorted(n.recipient.username for n in due) == ["gusu_officer", "operator"]
    assert rectification.orders_remind_due(today=date(2025, 10, 13)) == 1  # overdue: every day
    assert Notice.objects.filter(kind="rectification.overdue", recipient=gusu_officer).count() == 1
    assert AuditEntry.objects.filter(action="rectification.remind").count() == 2


def test_closed_orders_are_not_reminded(order, gusu_inspector):
    rectification.order_close(actor=gusu_inspector, order=order, reinspection=follow_up(order, gusu_inspector))
    assert rectification.orders_remind_due(today=date(2025, 10, 13)) == 0


@pytest.fixture
def in_process(celery_app):
    """No broker: a queued task runs when its transaction commits."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager


def test_the_reminder_task_reminds_once_a_day_in_process(
    in_process, order, operator, django_capture_on_commit_callbacks
):
    # The task reminds as of today: the order of 2025 is long overdue.
    for _run in range(2):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            enqueue(rectification_reminders)
    assert [m.status for m in OutboxMessage.objects.filter(task_name="inspections.rectification_reminders")] == [
        MessageStatus.DONE,
        MessageStatus.DONE,
    ]
    assert Notice.objects.filter(recipient=operator, kind="rectification.overdue").count() == 1
    order.refresh_from_db()
    assert order.reminded_on == timezone.localdate()
    assert rectification_reminders.apply().get() == 0  # delivered again (beat, retry): nothing more


def test_the_reminder_task_is_an_outbox_task_with_json_arguments(in_process, django_capture_on_commit_callbacks):
    from suzhou_childcare.outbox.tasks import OutboxTask

    assert isinstance(rectification_reminders, OutboxTask)
    assert rectification_reminders.acks_late is True
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        message = enqueue(rectification_reminders)
    assert json.loads(json.dumps(message.kwargs)) == {}  # beat and the outbox send no arguments


# --- pages ------------------------------------------------------------------------------------------------


def test_the_operator_sees_only_their_orders(order, foreign_order, operator, web_client_for):
    web = web_client_for(operator)
    listing = web.get("/supervision/rectifications/")
    assert listing.status_code == 200
    assert [o.pk for o in listing.context["page"].object_list] == [order.pk]
    assert web.get(f"/supervision/rectifications/{order.pk}/").status_code == 200
    assert web.get(f"/supervision/rectifications/{foreign_order.pk}/").status_code == 404


def test_the_overdue_filter_lists_missed_deadlines(order, facility, gusu_inspector, gusu_officer, web_client_for):
    today_inspection = inspection_of(facility, actor=gusu_inspector, inspected_on=timezone.localdate())
    fresh = finding_on(today_inspection, actor=gusu_inspector, weight="minor").order
    web = web_client_for(gusu_officer)
    overdue = web.get("/supervision/rectifications/?overdue=1")
    assert [o.pk for o in overdue.context["page"].object_list] == [order.pk]
    assert overdue.context["overdue_only"] is True
    assert facility.name in overdue.content.decode()
    not_overdue = web.get("/supervision/rectifications/?overdue=0")
    assert [o.pk for o in not_overdue.context["page"].object_list] == [fresh.pk]
    everything = web.get("/supervision/rectifications/")
    assert len(everything.context["page"].object_list) == 2


def test_the_city_list_shows_every_units_overdue_orders(order, foreign_order, city_admin, web_client_for):
    page = web_client_for(city_admin).get("/supervision/rectifications/?overdue=1")
    assert {o.pk for o in page.context["page"].object_list} == {order.pk, foreign_order.pk}
    assert "吴江区" in page.content.decode() and "姑苏区" in page.content.decode()


def test_the_operator_responds_on_the_page(media, order, operator, web_client_for):
    web = web_client_for(operator)
    page = web.get(f"/supervision/rectifications/{order.pk}/")
    assert page.context["can_respond"] is True and page.context["can_close"] is False
    bad = web.post(f"/supervision/rectifications/{order.pk}/respond/", {"response": "", "evidence": upload("exe")})
    assert bad.status_code == 400
    assert bad.context["respond_form"].errors["response"]
    assert not Evidence.objects.exists()
    good = web.post(
        f"/supervision/rectifications/{order.pk}/respond/", {"response": "已整改", "evidence": upload("pdf")}
    )
    assert good.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.RESPONDED and order.evidence.count() == 1


def test_the_officer_closes_on_the_page_after_the_re_inspection(order, gusu_inspector, gusu_officer, web_client_for):
    web = web_client_for(gusu_officer)
    page = web.get(f"/supervision/rectifications/{order.pk}/")
    assert page.context["can_close"] is True and page.context["can_respond"] is False
    assert f"/supervision/inspections/start/?order={order.pk}" in page.content.decode()
    start = web.get(f"/supervision/inspections/start/?order={order.pk}")
    assert start.status_code == 200 and start.context["form"]["kind"].value() == "follow_up"
    assert web.post(f"/supervision/rectifications/{order.pk}/close/", {}).status_code == 400
    close_url = f"/supervision/rectifications/{order.pk}/close/"
    assert close_url not in page.content.decode()  # nothing to close with before a completed re-inspection
    reinspection = follow_up(order, gusu_inspector)
    assert close_url in web.get(f"/supervision/rectifications/{order.pk}/").content.decode()
    response = web.post(close_url, {"reinspection": reinspection.pk})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.CLOSED


def test_a_failed_re_inspection_is_shown_on_the_close_form(order, gusu_inspector, web_client_for):
    reinspection = follow_up(order, gusu_inspector, rectified=False)
    response = web_client_for(gusu_inspector).post(
        f"/supervision/rectifications/{order.pk}/close/", {"reinspection": reinspection.pk}
    )
    assert response.status_code == 400
    assert response.context["close_form"].errors["reinspection"]


@pytest.mark.parametrize("who", ["wujiang_inspector", "other_operator", "wujiang_officer"])
def test_a_foreign_user_gets_404_on_the_order_pages(request, order, web_client_for, who):
    web = web_client_for(request.getfixturevalue(who))
    assert web.get("/supervision/rectifications/").context["page"].paginator.count == 0
    assert web.get(f"/supervision/rectifications/{order.pk}/").status_code == 404
    assert web.post(f"/supervision/rectifications/{order.pk}/respond/", {"response": "x"}).status_code == 404
    assert web.post(f"/supervision/rectifications/{order.pk}/close/", {}).status_code == 404
    assert web.get(f"/supervision/inspections/start/?order={order.pk}").status_code == 404


def test_the_order_list_page_runs_the_same_queries_for_2_or_60_orders(
    order, gusu_inspector, gusu_officer, web_client_for
):
    web = web_client_for(gusu_officer)
    inspection = order.finding.inspection
    counts = []
    for total in (2, 60):
        while RectificationOrder.objects.count() < total:
            finding_on(inspection, actor=gusu_inspector, weight="minor", description="记录不全")
        with CaptureQueriesContext(connection) as queries:
            response = web.get("/supervision/rectifications/")
        assert response.status_code == 200
        assert len(response.context["page"].object_list) == min(total, 50)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
