"""Celery tasks of the audit trail: the periodic seal (beat entry "audit-seal" in suzhou_childcare/celery.py)."""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import OperationalError

from suzhou_childcare.outbox.tasks import OutboxTask


@shared_task(
    name="audit.seal",
    base=OutboxTask,
    ignore_result=True,
    acks_late=True,
    autoretry_for=(OperationalError,),
    max_retries=3,
    retry_backoff=True,
    # Below the five-minute beat interval (runs do not pile up) and far below the broker's visibility timeout.
    soft_time_limit=240,
    time_limit=280,
)
def audit_seal_task() -> int:
    """Extend the hash chain over the committed audit entries. Idempotent: what is sealed is not sealed again."""
    from .sealing import audit_seal

    try:
        return audit_seal()
    except SoftTimeLimitExceeded:
        # Finished batches are committed; the one cut short rolled back. The next run carries on from there.
        return 0
