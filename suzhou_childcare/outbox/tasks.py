"""The base class every project task uses, and the periodic sweep of the outbox."""

from __future__ import annotations

from celery import Task, shared_task
from celery.exceptions import Retry
from django.db import close_old_connections

from . import services


class OutboxTask(Task):
    """Claims its outbox message before running and marks it done after, so effects apply once.

    Acknowledged late (a worker that dies mid-task leaves it to be delivered again), retried a bounded
    number of times, and limited in time below the broker's visibility timeout (settings).
    """

    acks_late = True
    max_retries = 3
    retry_backoff = True

    def __call__(self, *args, **kwargs):
        message_id = self.request.id
        if message_id and not services.outbox_claim(message_id):
            return None
        try:
            result = super().__call__(*args, **kwargs)
        except Exception as exc:
            if message_id:
                # Only a scheduled retry (`self.retry()`, autoretry) leaves the message to run again.
                services.outbox_release(message_id, error=repr(exc), final=not isinstance(exc, Retry))
            raise
        if message_id:
            services.outbox_finish(message_id)
        return result

    def after_return(self, *args, **kwargs):
        # Worker threads (and the test worker) must not keep connections past their lifetime.
        if not self.request.is_eager:
            close_old_connections()


@shared_task(name="outbox.sweep", base=OutboxTask, ignore_result=True)
def sweep() -> int:
    return services.outbox_resend_due()
