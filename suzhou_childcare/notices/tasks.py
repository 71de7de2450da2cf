from celery import shared_task

from suzhou_childcare.outbox.tasks import OutboxTask


# OSError covers smtplib's errors and refused connections: the mail server may be back on a retry.
@shared_task(name="notices.send_email", base=OutboxTask, ignore_result=True, autoretry_for=(OSError,), max_retries=3)
def send_notice_email(*, notice_id: int) -> None:
    from .services import notice_email_send

    notice_email_send(notice_id=notice_id)
