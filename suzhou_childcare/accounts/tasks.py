from celery import shared_task

from suzhou_childcare.outbox.tasks import OutboxTask


@shared_task(name="accounts.personal_data_rekey", base=OutboxTask, ignore_result=True)
def personal_data_rekey(*, job_id: str) -> None:
    from .rekey import personal_data_rekey_run

    personal_data_rekey_run(job_id=job_id)
