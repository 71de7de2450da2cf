"""The outbox without a broker (in-process mode) and its bookkeeping; the broker tests are in test_worker.py."""

import ast
import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import transaction

from suzhou_childcare.accounts.tasks import personal_data_rekey
from suzhou_childcare.outbox.models import Job, JobStatus, MessageStatus, OutboxMessage
from suzhou_childcare.outbox.services import enqueue, job_create, outbox_claim, outbox_finish

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "bad",
    [Decimal("1.50"), datetime.date(2026, 1, 1), object(), float("nan")],
    ids=["decimal", "date", "object", "nan"],
)
def test_enqueue_refuses_arguments_that_do_not_serialise_to_json(db, bad):
    with pytest.raises(TypeError, match="must serialise to JSON"):
        enqueue(personal_data_rekey, job_id=bad)
    assert not OutboxMessage.objects.exists()


def test_every_task_call_in_the_code_goes_through_enqueue():
    """enqueue() checks JSON; a direct .delay()/.apply_async() elsewhere would bypass it and the outbox."""
    offenders = []
    for path in ROOT.glob("**/*.py"):
        if any(part in {".venv", "node_modules", "tests", "migrations"} for part in path.parts):
            continue
        if path.name == "services.py" and path.parent.name == "outbox":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in {"delay", "apply_async", "send_task", "s", "si"}:
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} .{node.attr}")
    assert offenders == []


def test_registered_project_tasks_are_all_outbox_tasks(celery_app):
    from suzhou_childcare.outbox.tasks import OutboxTask

    project = {name: task for name, task in celery_app.tasks.items() if not name.startswith("celery.")}
    assert project, "no project task registered"
    assert all(isinstance(task, OutboxTask) for task in project.values()), sorted(project)
    assert all(task.acks_late for task in project.values())


def test_enqueued_task_waits_for_commit_and_is_dropped_on_rollback(transactional_db, city_admin):
    job = job_create(kind="personal_data_rekey", title="t", owner=city_admin)
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue(personal_data_rekey, job_id=str(job.id))
        raise RuntimeError("the caller's transaction fails")
    assert not OutboxMessage.objects.exists()
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED


def test_in_process_mode_runs_the_task_after_commit(transactional_db, city_admin, settings, celery_app):
    if not celery_app.conf.task_always_eager:
        pytest.skip("in-process mode only (no CELERY_BROKER_URL)")
    job = job_create(kind="personal_data_rekey", title="t", owner=city_admin)
    with transaction.atomic():
        message = enqueue(personal_data_rekey, job_id=str(job.id))
        job.refresh_from_db()
        assert job.status == JobStatus.QUEUED  # not before commit
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    message.refresh_from_db()
    assert message.status == MessageStatus.DONE
    assert message.run_attempts == 1


def test_a_claimed_or_finished_message_is_not_run_again(db, city_admin):
    job = job_create(kind="personal_data_rekey", title="t", owner=city_admin)
    message = OutboxMessage.objects.create(task_name=personal_data_rekey.name, kwargs={"job_id": str(job.id)})
    assert outbox_claim(message.id) is True
    assert outbox_claim(message.id) is False  # a second delivery while the first runs
    outbox_finish(message.id)
    assert outbox_claim(message.id) is False  # a late duplicate after it is done
    message.refresh_from_db()
    assert message.status == MessageStatus.DONE
    assert message.run_attempts == 1


def test_job_progress_is_reported(db, city_admin):
    job = job_create(kind="k", title="t", owner=city_admin, total=4)
    from suzhou_childcare.outbox.services import job_progress

    job_progress(job_id=job.id, done=1)
    job = Job.objects.get(id=job.id)
    assert (job.status, job.percent) == (JobStatus.RUNNING, 25)
