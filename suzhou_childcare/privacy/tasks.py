"""The retention task: thin and idempotent (a row done is not due again), queued through the outbox or by beat."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.utils import timezone

from suzhou_childcare.outbox.tasks import OutboxTask


@shared_task(name="privacy.retention", base=OutboxTask, ignore_result=True)
def retention(*, job_id: str | None = None, actor_id: int | None = None, today: str | None = None) -> dict:
    """Daily from beat (no arguments), or started from the retention page (a progress job and the admin)."""
    from suzhou_childcare.accounts.models import User
    from suzhou_childcare.outbox.services import job_fail

    from .services import retention_apply

    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    day = date.fromisoformat(today) if today else timezone.localdate()
    try:
        return retention_apply(today=day, actor=actor, job_id=job_id)
    except Exception as exc:
        if job_id:
            job_fail(job_id=job_id, message=str(exc))
        raise
