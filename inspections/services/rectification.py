"""Rectification orders (整改通知) after their finding: the operator's response, closure after a passed
re-inspection, and daily reminders before and after the deadline."""

from __future__ import annotations

from datetime import date

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from suzhou_childcare.accounts.models import User
from suzhou_childcare.audit.services import audit_record, audit_snapshot
from suzhou_childcare.errors import Conflict, RuleViolation, ValidationFailed
from suzhou_childcare.workdays.services import add_working_days

from ..models import Inspection, InspectionKind, InspectionStatus, ItemResult, OrderStatus, RectificationOrder, Weight
from .records import (
    ART_41_CORRECT,
    RECTIFICATION_ITEM,
    facility_operators,
    notify_in_language,
    require_operator_of,
    require_supervisor_of,
    store_evidence,
    unit_officers,
    upload_problems,
)

RESPONSE_MAX = 5000
# Reminders start this many working days before the deadline and repeat daily once it has passed.
REMIND_WITHIN_WORKING_DAYS = 2
AUDITED = ["status", "response", "responded_on", "closed_on", "closed_by", "reminded_on"]


def _locked(order: RectificationOrder) -> RectificationOrder:
    return (
        RectificationOrder.objects.select_for_update(of=("self",))
        .select_related("facility", "facility__district", "finding")
        .get(pk=order.pk)
    )


def _link(order: RectificationOrder) -> str:
    return reverse("inspections:order_detail", args=[order.pk])


@transaction.atomic
def order_respond(
    *, actor: User, order: RectificationOrder, response: str, evidence: UploadedFile | None = None
) -> RectificationOrder:
    """The operator says how the finding was rectified, with a file if they have one; the unit is told."""
    order = _locked(order)
    facility = order.facility
    require_operator_of(facility, actor)
    if order.status != OrderStatus.OPEN:
        raise Conflict(_("Only an open rectification order can be answered."), code="not_open")
    errors: dict[str, list[str]] = {}
    response = (response or "").strip()
    if not response:
        errors["response"] = [_("Say how the finding was rectified.")]
    elif len(response) > RESPONSE_MAX:
        errors["response"] = [_("The response may have at most %(limit)s characters.") % {"limit": RESPONSE_MAX}]
    if evidence is not None and (problems := upload_problems(evidence)):
        errors["evidence"] = problems
    if errors:
        raise ValidationFailed(fields=errors)
    before = audit_snapshot(order, AUDITED)
    if evidence is not None:
        store_evidence(actor=actor, facility=facility, upload=evidence, order=order)
    order.response = response
    order.responded_on = timezone.localdate()
    order.status = OrderStatus.RESPONDED
    order.save(update_fields=["response", "responded_on", "status"])
    audit_record(
        actor=actor,
        action="rectification.respond",
        target=facility,
        before={"order": order.pk, **before},
        after={"order": order.pk, **audit_snapshot(order, AUDITED)},
    )
    notify_in_language(
        unit_officers(facility),
        kind="rectification.responded",
        title=gettext_noop("%(name)s answered a rectification order; a re-inspection is due"),
        body=gettext_noop("Deadline %(deadline)s. Response: %(response)s"),
        link=_link(order),
        values={"name": facility.name, "deadline": order.deadline.isoformat(), "response": response},
    )
    return order


@transaction.atomic
def order_close(*, actor: User, order: RectificationOrder, reinspection: Inspection) -> RectificationOrder:
    """Close an order after its completed follow-up inspection found the finding rectified."""
    order = _locked(order)
    facility = order.facility
    require_supervisor_of(facility, actor)
    if order.status == OrderStatus.CLOSED:
        raise Conflict(_("The rectification order is already closed."), code="closed")
    if reinspection.kind != InspectionKind.FOLLOW_UP or reinspection.follow_up_of_id != order.pk:
        raise ValidationFailed(fields={"reinspection": [_("This inspection is not a re-inspection of the order.")]})
    if reinspection.status != InspectionStatus.COMPLETED:
        raise ValidationFailed(fields={"reinspection": [_("Complete the re-inspection before closing the order.")]})
    if reinspection.inspected_on < order.issued_on:
        raise ValidationFailed(
            fields={"reinspection": [_("A re-inspection cannot be dated before the order it checks was issued.")]}
        )
    verdict = reinspection.items.filter(code=RECTIFICATION_ITEM).values_list("result", flat=True).first()
    if verdict != ItemResult.PASS:
        raise RuleViolation(
            _("The re-inspection did not find the finding rectified; the order stays open."),
            code="not_rectified",
            fields={"reinspection": [_("The re-inspection did not find the finding rectified.")]},
            clause=ART_41_CORRECT,
        )
    before = audit_snapshot(order, AUDITED)
    order.status = OrderStatus.CLOSED
    order.closed_on = timezone.localdate()
    order.closed_by = actor
    order.save(update_fields=["status", "closed_on", "closed_by"])
    audit_record(
        actor=actor,
        action="rectification.close",
        target=facility,
        before={"order": order.pk, **before},
        after={"order": order.pk, "reinspection": reinspection.pk, **audit_snapshot(order, AUDITED)},
    )
    notify_in_language(
        facility_operators(facility),
        kind="rectification.closed",
        title=gettext_noop("Rectification order of %(name)s closed"),
        body=gettext_noop("The re-inspection on %(date)s found the finding rectified."),
        link=_link(order),
        values={"name": facility.name, "date": reinspection.inspected_on.isoformat()},
    )
    return order


def orders_due_for_reminder(*, today: date):
    """Open orders whose deadline is within the reminder window or past, not reminded today.

    An order the operator has answered waits for the unit's re-inspection: nobody is reminded of it.
    """
    horizon = add_working_days(today, REMIND_WITHIN_WORKING_DAYS).date
    return (
        RectificationOrder.objects.filter(status=OrderStatus.OPEN)
        .filter(deadline__lte=horizon)
        .exclude(reminded_on=today)
        .order_by("deadline", "id")
    )


def orders_remind_due(*, today: date) -> int:
    """Remind operators and the unit's officers of orders due soon or overdue; at most once a day per order.

    Each order is claimed with a conditional update in its own transaction, so a run delivered twice, or
    two runs at once, remind once; a run that fails part-way leaves the rest to its retry.
    Returns how many orders were reminded.
    """
    reminded = 0
    for order_id in list(orders_due_for_reminder(today=today).values_list("pk", flat=True)):
        with transaction.atomic():
            claimed = (
                RectificationOrder.objects.filter(pk=order_id)
                .exclude(status=OrderStatus.CLOSED)
                .exclude(reminded_on=today)
                .update(reminded_on=today)
            )
            if not claimed:
                continue
            order = RectificationOrder.objects.select_related("facility", "finding").get(pk=order_id)
            facility = order.facility
            overdue = order.deadline < today
            audit_record(
                actor=None,
                action="rectification.remind",
                target=facility,
                after={"order": order.pk, "on": today.isoformat(), "overdue": overdue},
            )
            values = {
                "name": facility.name,
                "deadline": order.deadline.isoformat(),
                "weight": Weight(order.finding.weight).label,
                "description": order.finding.description,
            }
            if overdue:
                title = gettext_noop("Rectification overdue: %(name)s, due %(deadline)s")
            else:
                title = gettext_noop("Rectification due on %(deadline)s: %(name)s")
            notify_in_language(
                [*facility_operators(facility), *unit_officers(facility)],
                kind="rectification.overdue" if overdue else "rectification.due",
                title=title,
                body=gettext_noop("%(weight)s finding: %(description)s"),
                link=_link(order),
                values=values,
            )
            reminded += 1
    return reminded
