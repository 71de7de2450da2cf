"""Celery tasks of supervision: thin, idempotent, queued through `outbox.enqueue` or run by beat."""

from celery import shared_task
from django.utils import timezone

from suzhou_childcare.outbox.tasks import OutboxTask


@shared_task(name="inspections.rectification_reminders", base=OutboxTask, ignore_result=True)
def rectification_reminders() -> int:
    """Daily: remind orders due within two working days or overdue (each order at most once a day)."""
    from .services.rectification import orders_remind_due

    return orders_remind_due(today=timezone.localdate())
