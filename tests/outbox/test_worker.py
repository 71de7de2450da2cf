"""Tasks through Redis to a real Celery worker running in this process, on the test database."""

import os
import time

import pytest
from django.db import transaction

from suzhou_childcare.accounts.services import account_set_id_number
from suzhou_childcare.accounts.tasks import personal_data_rekey
from suzhou_childcare.outbox.models import Job, JobStatus, MessageStatus, OutboxMessage
from suzhou_childcare.outbox.services import enqueue, job_create, outbox_resend_due

pytestmark = pytest.mark.redis


def wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def job_done(job_id):
    return lambda: Job.objects.get(id=job_id).status in (JobStatus.SUCCEEDED, JobStatus.FAILED)


def _switch_broker(app, url):
    """Point the app's producers at another broker URL (the worker's own connection is not touched).

    Celery reads CELERY_BROKER_URL from the environment before its configuration.
    """
    os.environ["CELERY_BROKER_URL"] = url
    app._pool = None
    app.amqp._producer_pool = None


def test_a_task_runs_on_the_worker_and_reports_progress(celery_worker, city_admin, gusu_officer):
    account_set_id_number(actor=None, user=gusu_officer, id_number="11010519491231002X")
    with transaction.atomic():
        job = job_create(kind="personal_data_rekey", title="rekey", owner=city_admin)
        message = enqueue(personal_data_rekey, job_id=str(job.id))
    assert wait_for(job_done(job.id)), "the worker did not finish the job"
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert job.total >= 2 and job.done == job.total
    message.refresh_from_db()
    assert (message.status, message.run_attempts) == (MessageStatus.DONE, 1)


def test_a_task_enqueued_while_redis_is_down_runs_once_it_returns(transactional_db, celery_app, city_admin):
    real_url = celery_app.conf.broker_url
    _switch_broker(celery_app, "redis://127.0.0.1:1/0")  # nothing listens there: the broker is down
    try:
        with transaction.atomic():
            job = job_create(kind="personal_data_rekey", title="rekey", owner=city_admin)
            message = enqueue(personal_data_rekey, job_id=str(job.id))
        message.refresh_from_db()
        assert message.status == MessageStatus.PENDING, "nothing can have been sent"
        assert message.send_attempts == 1 and "send" in message.last_error
        assert Job.objects.get(id=job.id).status == JobStatus.QUEUED
    finally:
        _switch_broker(celery_app, real_url)

    from celery.contrib.testing.worker import start_worker

    celery_app.control.purge()
    with start_worker(celery_app, perform_ping_check=False, loglevel="WARNING", shutdown_timeout=20):
        assert outbox_resend_due() == 1  # the periodic sweep's work, once Redis is back
        assert wait_for(job_done(job.id)), "the resent task did not run"
        assert outbox_resend_due() == 0  # nothing left behind, nothing sent twice
    message.refresh_from_db()
    assert (message.status, message.run_attempts) == (MessageStatus.DONE, 1)
    assert Job.objects.get(id=job.id).status == JobStatus.SUCCEEDED


def test_a_message_delivered_twice_is_applied_once(celery_worker, celery_app, city_admin):
    with transaction.atomic():
        job = job_create(kind="personal_data_rekey", title="rekey", owner=city_admin)
        message = enqueue(personal_data_rekey, job_id=str(job.id))
    assert wait_for(job_done(job.id))
    # At-least-once delivery: the broker hands the same message (same task id) over again.
    personal_data_rekey.apply_async(kwargs={"job_id": str(job.id)}, task_id=str(message.id))
    time.sleep(1.5)
    message.refresh_from_db()
    assert message.run_attempts == 1
    assert OutboxMessage.objects.count() == 1


def test_the_sweep_task_itself_runs_on_the_worker(celery_worker, celery_app):
    result = celery_app.tasks["outbox.sweep"]
    with transaction.atomic():
        enqueue(result)
    assert wait_for(lambda: OutboxMessage.objects.filter(status=MessageStatus.DONE).count() == 1)
