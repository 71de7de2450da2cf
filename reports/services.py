"""Writes of the indicators app: the city admin compiles a month (a job with progress), finalises it, and
publishes its headline figures on the public register. Keyword-only, atomic, audited."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from suzhou_childcare.accounts.models import Role
from suzhou_childcare.audit.services import audit_record, audit_snapshot
from suzhou_childcare.errors import Conflict, PermissionDenied, ValidationFailed
from suzhou_childcare.outbox.models import Job
from suzhou_childcare.outbox.services import enqueue, job_create

from .compilation import finalise_period
from .models import PeriodState, SnapshotStatus
from .tasks import compile_month_task

JOB_KIND = "reports.compile_month"
AUDITED = ["status", "finalised_at", "published", "published_by"]


def require_city_admin(actor) -> None:
    if actor.role != Role.CITY_ADMIN:
        raise PermissionDenied(_("Only the city admin compiles, finalises and publishes indicators."))


@transaction.atomic
def compile_request(*, actor, period: date) -> Job:
    """Queue the compilation of a month; its job's page follows the chunks as they finish."""
    require_city_admin(actor)
    title = _("Compile indicators of %(month)s") % {"month": f"{period:%Y-%m}"}
    job = job_create(kind=JOB_KIND, title=title, owner=actor)
    enqueue(compile_month_task, period=period.isoformat(), job_id=str(job.id))
    return job


@transaction.atomic
def period_finalise(*, actor, period: date) -> PeriodState:
    """After the month ends: its figures become final (a later recompute makes new revisions)."""
    require_city_admin(actor)
    state = PeriodState.objects.select_for_update().filter(period=period, compiled_at__isnull=False).first()
    if state is None:
        raise ValidationFailed(fields={"period": [_("This month has not been compiled.")]})
    if state.status == SnapshotStatus.FINAL:
        raise Conflict(_("This month is already final."))
    before = audit_snapshot(state, AUDITED)
    state = finalise_period(period=period, actor=actor)
    audit_record(
        actor=actor, action="period_state.finalise", target=state, before=before, after=audit_snapshot(state, AUDITED)
    )
    return state


@transaction.atomic
def period_publish(*, actor, period: date, published: bool) -> PeriodState:
    """Show (or withdraw) a final month's headline indicators on the public register."""
    require_city_admin(actor)
    state = PeriodState.objects.select_for_update().filter(period=period).first()
    if state is None or state.compiled_at is None:
        raise ValidationFailed(fields={"period": [_("This month has not been compiled.")]})
    if published and state.status != SnapshotStatus.FINAL:
        raise ValidationFailed(fields={"period": [_("Only a final month can be published.")]})
    if state.published == published:
        return state
    before = audit_snapshot(state, AUDITED)
    state.published = published
    state.published_by = actor
    state.save(update_fields=["published", "published_by"])
    audit_record(
        actor=actor,
        action="period_state.publish" if published else "period_state.withdraw",
        target=state,
        before=before,
        after=audit_snapshot(state, AUDITED),
    )
    return state
