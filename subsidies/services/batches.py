"""Payment batches: the unit prepares a period's batch, other people approve it along the unit's chain, a
second-review sample is drawn from a logged seed, and the approved batch is paid and locked.

The statements a batch takes are claimed with one conditional UPDATE (`batch IS NULL`), so a statement can be
in one batch only, whatever runs at the same time; the unique constraint keeps one live batch per unit and period.
"""

from __future__ import annotations

import math
import random
import secrets
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from suzhou_childcare.accounts.models import Role, User
from suzhou_childcare.audit.services import audit_record, audit_snapshot
from suzhou_childcare.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from suzhou_childcare.regions.models import District

from .. import selectors
from ..models import BatchApproval, BatchStatus, PaymentBatch, PaymentPeriod, Statement

SAMPLE_SHARE = 0.05  # a twentieth of the statements, at least one, for the second review
BATCH_FIELDS = ["status", "total", "statement_count", "sample_seed", "sample", "paid_at", "rejection_reason"]


def draw_sample(statement_ids: list[int], *, seed: int, share: float = SAMPLE_SHARE) -> list[int]:
    """The same seed over the same statements draws the same sample (the seed is stored with the batch)."""
    ids = sorted(statement_ids)
    if not ids:
        return []
    size = max(1, math.ceil(len(ids) * share))
    return sorted(random.Random(seed).sample(ids, size))  # noqa: S311 - a reproducible draw, not a secret


def _months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def _check_span(payment_period: str, start: date, end: date) -> None:
    months = _months_between(start, end)
    if payment_period == PaymentPeriod.MONTHLY and months != 1:
        raise ValidationFailed(fields={"period_end": [_("This unit pays monthly: one month per batch.")]})
    if payment_period == PaymentPeriod.QUARTERLY and (months != 3 or start.month % 3 != 1):
        raise ValidationFailed(fields={"period_start": [_("This unit pays quarterly: a calendar quarter per batch.")]})
    if payment_period == PaymentPeriod.YEARLY and (start.month != 1 or end.month != 12 or start.year != end.year):
        raise ValidationFailed(fields={"period_start": [_("This unit pays yearly: January to December per batch.")]})


def _in_unit(actor: User, district_code: str) -> None:
    if actor.role == Role.CITY_ADMIN:
        return
    if actor.role == Role.DISTRICT_OFFICER and actor.district_id == district_code:
        return
    if actor.role == Role.DISTRICT_OFFICER:
        raise NotFound
    raise PermissionDenied(_("Only the unit's health commission and the city handle payment batches."))


@transaction.atomic
def batch_prepare(
    *, actor: User, district_code: str, period_start: date, period_end: date, today: date | None = None
) -> PaymentBatch:
    today = today or timezone.localdate()
    if not District.objects.filter(code=district_code).exists():
        raise ValidationFailed(fields={"district": [_("Choose a county-level unit.")]})
    _in_unit(actor, district_code)
    if period_start.day != 1 or period_end.day != 1 or period_end < period_start:
        raise ValidationFailed(fields={"period_start": [_("Choose the first and the last month of the period.")]})
    if period_end >= today.replace(day=1):
        raise ValidationFailed(fields={"period_end": [_("Only months that have ended can be paid.")]})
    rule_set = selectors.rule_set_for(district_code=district_code, on=period_start)
    if rule_set is None:
        raise ValidationFailed(fields={"period_start": [_("No subsidy rules are in force for this unit then.")]})
    _check_span(rule_set.payment_period, period_start, period_end)
    seed = secrets.randbits(62)
    try:
        with transaction.atomic():
            batch = PaymentBatch.objects.create(
                district_id=district_code,
                period_start=period_start,
                period_end=period_end,
                approval_chain=list(rule_set.approval_chain),
                prepared_by=actor,
                prepared_at=timezone.now(),
                sample_seed=seed,
            )
    except IntegrityError as exc:
        raise Conflict(_("A batch for this unit and period already exists."), code="duplicate") from exc
    # Claim, in one statement, every unpaid statement of the unit up to the period's end with a non-zero amount:
    # the period's own, adjustments of earlier months (corrections are paid later, never by editing a paid one),
    # and statements of earlier months that arrived after their batch (a late report).
    claimed = (
        Statement.objects.filter(facility__district_id=district_code, batch__isnull=True, period__lte=period_end)
        .exclude(total=0)
        .update(batch=batch)
    )
    if not claimed:
        raise ValidationFailed(
            fields={"period_start": [_("Nothing to pay for this period: calculate the months first.")]},
            code="empty_batch",
        )
    figures = Statement.objects.filter(batch=batch).aggregate(total=Sum("total"), n=Count("id"))
    batch.total = figures["total"]
    batch.statement_count = figures["n"]
    batch.sample = draw_sample(list(Statement.objects.filter(batch=batch).values_list("pk", flat=True)), seed=seed)
    batch.sample_size = len(batch.sample)
    batch.save(update_fields=["total", "statement_count", "sample", "sample_size"])
    audit_record(actor=actor, action="payment_batch.prepare", target=batch, after=audit_snapshot(batch, BATCH_FIELDS))
    return batch


def batch_next_step(*, actor: User, batch: PaymentBatch, approvals: list) -> tuple[int, str, tuple[str, str] | None]:
    """The next approval step of a prepared batch (index, role) and why `actor` may not take it (code, message),
    or None when they may. Pages use it to show the form or the reason; `batch_decide` enforces it."""
    step = len(approvals)
    chain = batch.approval_chain or []
    role = chain[step] if step < len(chain) else Role.CITY_ADMIN
    if actor.pk == batch.prepared_by_id:
        return step, role, ("maker_checker", _("You prepared this batch: another person approves it (maker–checker)."))
    if actor.pk in {a.approver_id for a in approvals}:
        return (
            step,
            role,
            (
                "maker_checker",
                _("You approved an earlier step: another person approves this one (maker–checker)."),
            ),
        )
    if actor.role != role:
        return (
            step,
            role,
            ("wrong_step", _("This step is approved by the role “%(role)s”.") % {"role": Role(role).label}),
        )
    return step, role, None


@transaction.atomic
def batch_decide(*, actor: User, batch: PaymentBatch, approve: bool, opinion: str = "") -> PaymentBatch:
    """One approval step. The approver has the step's role, and is neither the preparer nor an earlier approver."""
    batch = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
    _in_unit(actor, batch.district_id)
    if batch.status != BatchStatus.PREPARED:
        raise Conflict(
            _("This batch is “%(status)s”: nothing to approve.") % {"status": batch.get_status_display()},
            code="invalid_transition",
        )
    done = list(batch.approvals.order_by("step"))
    step, role, refusal = batch_next_step(actor=actor, batch=batch, approvals=done)
    if refusal is not None:
        code, message = refusal
        raise PermissionDenied(message, code=code)
    opinion = (opinion or "").strip()
    if not approve and not opinion:
        raise ValidationFailed(fields={"opinion": [_("Give the reasons for the rejection.")]})
    before = audit_snapshot(batch, BATCH_FIELDS)
    BatchApproval.objects.create(
        batch=batch, step=step, role=role, approver=actor, approved=approve, opinion=opinion, decided_at=timezone.now()
    )
    if not approve:
        batch.status = BatchStatus.REJECTED
        batch.rejection_reason = opinion
        Statement.objects.filter(batch=batch).update(batch=None)  # released for a new batch
    elif step + 1 >= max(1, len(batch.approval_chain)):
        batch.status = BatchStatus.APPROVED
    batch.save(update_fields=["status", "rejection_reason"])
    audit_record(
        actor=actor,
        action="payment_batch.approve" if approve else "payment_batch.reject",
        target=batch,
        before=before,
        after=audit_snapshot(batch, BATCH_FIELDS),
        reason=opinion,
    )
    return batch


@transaction.atomic
def batch_mark_paid(*, actor: User, batch: PaymentBatch) -> PaymentBatch:
    """The approved batch, exported and paid, is locked: its statements never change again."""
    batch = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
    _in_unit(actor, batch.district_id)
    if batch.status != BatchStatus.APPROVED:
        raise Conflict(_("Only an approved batch can be marked as paid."), code="invalid_transition")
    before = audit_snapshot(batch, BATCH_FIELDS)
    batch.status = BatchStatus.PAID
    batch.paid_by = actor
    batch.paid_at = timezone.now()
    batch.save(update_fields=["status", "paid_by", "paid_at"])
    audit_record(
        actor=actor, action="payment_batch.paid", target=batch, before=before, after=audit_snapshot(batch, BATCH_FIELDS)
    )
    return batch
