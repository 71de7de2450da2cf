"""Celery tasks of the facilities app: thin, idempotent, queued only through `outbox.enqueue`."""

from celery import shared_task

from suzhou_childcare.outbox.tasks import OutboxTask


@shared_task(name="facilities.import_facilities", base=OutboxTask, ignore_result=True)
def import_facilities_task(*, job_id: str, upload_id: str) -> None:
    """Import a stored workbook (`imports/<upload_id>.xlsx`) as the job's owner; the outcome goes in the job."""
    from .importing import import_job_run

    import_job_run(job_id=job_id, upload_id=upload_id)


@shared_task(name="facilities.recognitions_daily", base=OutboxTask, ignore_result=True)
def recognitions_daily() -> dict:
    """Daily: expire lapsed recognitions (each once, whatever the number of runs), then the 60-day notices."""
    from django.utils import timezone

    from .services.recognition import recognition_expiry_notices_send, recognitions_expire

    today = timezone.localdate()
    return {"expired": recognitions_expire(today=today), "notices": recognition_expiry_notices_send(today=today)}
