"""`enqueue()`: the only way to queue a task. The relay and the sweep get it to the broker.

A task is queued by writing an `OutboxMessage` in the caller's transaction. After commit the relay hands
it to Celery under the message's id; if the broker is down the row stays `pending` and the periodic sweep
sends it again. The worker claims the row before running (see `OutboxTask`), so a message delivered more
than once has its effects applied once.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

from celery import Task
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import Job, JobStatus, MessageStatus, OutboxMessage

logger = logging.getLogger(__name__)


def _task_name(task: Task | str) -> str:
    return task if isinstance(task, str) else task.name


def enqueue(task: Task | str, /, **kwargs: Any) -> OutboxMessage:
    """Queue `task(**kwargs)` to run after the current transaction commits (at once outside one).

    Arguments must be plain JSON (ids, not objects): the in-process mode would hide anything else.
    """
    try:
        json.dumps(kwargs, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"Arguments of {_task_name(task)} must serialise to JSON: {exc}") from exc
    message = OutboxMessage.objects.create(task_name=_task_name(task), kwargs=kwargs)
    message_id = message.id
    transaction.on_commit(lambda: relay_send(message_id), robust=True)
    return message


def relay_send(message_id) -> bool:
    """Hand one pending (or stale) message to Celery. Returns whether the broker took it."""
    from suzhou_childcare.celery import app

    message = OutboxMessage.objects.filter(id=message_id).first()
    if message is None or message.status in (MessageStatus.DONE, MessageStatus.FAILED):
        return False
    OutboxMessage.objects.filter(id=message_id).update(send_attempts=F("send_attempts") + 1)
    try:
        task = app.tasks[message.task_name]
        # retry=False: a broker that is down fails fast; the sweep tries again later.
        task.apply_async(kwargs=message.kwargs, task_id=str(message.id), retry=False)
    except Exception as exc:  # the broker's client raises many types; all mean "not sent"
        logger.warning("Outbox message %s (%s) not sent: %s", message.id, message.task_name, exc)
        OutboxMessage.objects.filter(id=message_id).update(last_error=f"send: {exc}"[:2000])
        return False
    OutboxMessage.objects.filter(id=message_id, status=MessageStatus.PENDING).update(
        status=MessageStatus.SENT, sent_at=timezone.now()
    )
    return True


def _stale_running_before():
    return timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)


def outbox_resend_due() -> int:
    """Send again every message a broker outage (or a lost queue) left behind. Returns how many were sent."""
    now = timezone.now()
    due = OutboxMessage.objects.filter(
        Q(status=MessageStatus.PENDING, created_at__lte=now - timedelta(seconds=settings.OUTBOX_RESEND_AFTER_SECONDS))
        | Q(status=MessageStatus.SENT, sent_at__lte=now - timedelta(seconds=settings.CELERY_BROKER_VISIBILITY_TIMEOUT))
        | Q(status=MessageStatus.RUNNING, claimed_at__lt=_stale_running_before())
    ).values_list("id", flat=True)[:500]
    sent = 0
    for message_id in list(due):
        # A message found stale is pending again, so relay_send's bookkeeping treats it as new.
        OutboxMessage.objects.filter(id=message_id).exclude(
            status__in=[MessageStatus.DONE, MessageStatus.FAILED]
        ).update(status=MessageStatus.PENDING)
        sent += relay_send(message_id)
    return sent


def outbox_claim(message_id) -> bool:
    """Take a message for running. False when it is done or another worker is running it right now.

    A delivery with no outbox row (a periodic task from beat, a direct call) is always allowed to run.
    """
    claimed = (
        OutboxMessage.objects.filter(id=message_id)
        .filter(
            Q(status__in=[MessageStatus.PENDING, MessageStatus.SENT])
            | Q(status=MessageStatus.RUNNING, claimed_at__lt=_stale_running_before())
        )
        .update(status=MessageStatus.RUNNING, claimed_at=timezone.now(), run_attempts=F("run_attempts") + 1)
    )
    if claimed:
        return True
    return not OutboxMessage.objects.filter(id=message_id).exists()


def outbox_finish(message_id) -> None:
    OutboxMessage.objects.filter(id=message_id).update(status=MessageStatus.DONE, finished_at=timezone.now())


def outbox_release(message_id, *, error: str, final: bool) -> None:
    """After a failed run: let a retry claim it again, or mark it failed when retries are spent."""
    OutboxMessage.objects.filter(id=message_id).update(
        status=MessageStatus.FAILED if final else MessageStatus.SENT,
        last_error=error[:2000],
        finished_at=timezone.now() if final else None,
    )


# --- progress of long jobs ----------------------------------------------------------------------------------


def job_create(*, kind: str, title: str, owner=None, total: int = 0) -> Job:
    return Job.objects.create(kind=kind, title=title, owner=owner, total=total)


def job_progress(*, job_id, done: int, total: int | None = None, message: str = "") -> None:
    """Record progress; written outside the job's own transaction so polling pages see it at once."""
    values: dict[str, Any] = {"status": JobStatus.RUNNING, "done": done, "message": message[:500]}
    if total is not None:
        values["total"] = total
    Job.objects.filter(id=job_id).update(**values, updated_at=timezone.now())


def job_finish(*, job_id, result: dict | None = None, message: str = "") -> None:
    job = Job.objects.get(id=job_id)
    job.status = JobStatus.SUCCEEDED
    job.done = job.total
    job.result = result or {}
    job.message = message[:500]
    job.save(update_fields=["status", "done", "result", "message", "updated_at"])


def job_fail(*, job_id, message: str) -> None:
    Job.objects.filter(id=job_id).update(status=JobStatus.FAILED, message=message[:500], updated_at=timezone.now())
