"""Celery tasks of subsidies: thin, idempotent, queued only through `outbox.enqueue`."""

from __future__ import annotations

from datetime import date, timedelta

from celery import shared_task
from django.utils import timezone

from suzhou_childcare.outbox.tasks import OutboxTask


@shared_task(
    name="subsidies.calculate_period",
    base=OutboxTask,
    ignore_result=True,
    soft_time_limit=1500,
    time_limit=1800,
)
def calculate_period_task(*, period: str, district_code: str | None = None, job_id: str | None = None) -> dict:
    """Calculate a month (ISO date of its first day) for every facility, or a unit's; safe to run twice."""
    from suzhou_childcare.outbox.services import job_fail

    from .services.calculation import period_calculate

    try:
        return period_calculate(period=date.fromisoformat(period), district_code=district_code or None, job_id=job_id)
    except Exception as exc:
        if job_id:
            job_fail(job_id=job_id, message=str(exc)[:500])  # the page polling the job shows the failure
        raise


@shared_task(name="subsidies.calculate_last_month", base=OutboxTask, ignore_result=True)
def calculate_last_month() -> dict:
    """Nightly: last month again (late reports and corrections arrive after the month ends)."""
    from .services.calculation import period_calculate

    first_of_this_month = timezone.localdate().replace(day=1)
    return period_calculate(period=(first_of_this_month - timedelta(days=1)).replace(day=1))
