"""Celery tasks of training: thin, idempotent, queued through the outbox."""

from celery import shared_task
from django.utils import timezone

from suzhou_childcare.outbox.tasks import OutboxTask


@shared_task(name="training.daily", base=OutboxTask, ignore_result=True)
def training_daily() -> dict:
    """Daily: refresh every facility's staff compliance, then send expiry alerts (each alert once)."""
    from .services.compliance import compliance_refresh_all, expiry_alerts_send

    today = timezone.localdate()
    return {"facilities": compliance_refresh_all(today=today), "alerts": expiry_alerts_send(today=today)}
