"""A notice's e-mail sent by a real Celery worker through Redis (in this process, so `mail.outbox` is shared)."""

import time

import pytest
from django.core import mail
from django.db import transaction

from suzhou_childcare.notices.models import Notice
from suzhou_childcare.notices.services import notify
from suzhou_childcare.notices.tasks import send_notice_email
from suzhou_childcare.outbox.models import MessageStatus, OutboxMessage

pytestmark = pytest.mark.redis


def wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_the_worker_sends_the_email_once(celery_worker, gusu_officer, settings):
    settings.NOTICE_EMAIL_ENABLED = True
    gusu_officer.email = "officer@gusu.example.cn"
    gusu_officer.save()

    with transaction.atomic():
        (notice,) = notify(
            recipients=[gusu_officer],
            kind="filing.submitted",
            title="托育机构“小太阳”提交了备案",
            body="请在15个工作日内完成审核。",
            link="/facilities/12/",
        )
        message = OutboxMessage.objects.get(task_name="notices.send_email")
        time.sleep(0.5)
        assert mail.outbox == []  # queued in the transaction, sent only after it commits

    assert wait_for(lambda: len(mail.outbox) == 1), "the worker did not send the e-mail"
    assert mail.outbox[0].to == ["officer@gusu.example.cn"]
    assert mail.outbox[0].body.endswith("/facilities/12/")
    assert wait_for(lambda: OutboxMessage.objects.get(pk=message.pk).status == MessageStatus.DONE)
    assert Notice.objects.get(pk=notice.pk).emailed_at is not None

    # Delivered again, as the same message and as another task for the same notice: no second e-mail.
    send_notice_email.apply_async(kwargs={"notice_id": notice.pk}, task_id=str(message.id))
    send_notice_email.apply_async(kwargs={"notice_id": notice.pk})
    time.sleep(2)
    assert len(mail.outbox) == 1
    assert OutboxMessage.objects.get(pk=message.pk).run_attempts == 1
