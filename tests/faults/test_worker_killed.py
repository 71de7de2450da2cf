"""A Celery worker killed with SIGKILL in the middle of an indicator compilation loses nothing and applies nothing
twice: after a new worker starts, the month's snapshots equal those of an undisturbed run, row for row.

Real subprocesses (`celery -A suzhou_childcare worker`, prefork pool of two) on the private Redis and PostgreSQL of
scripts/faults.sh, national-scale synthetic data (bench/indicators.py's generator) split into small chunks so that
the kill lands while chunks are running. The whole worker (main process and pool) is killed as one process group,
as when its machine or container dies: the messages it held stay unacknowledged in Redis (acks_late) and come back
after the visibility timeout; the outbox sweep resends any message whose run died with the worker.
"""

from __future__ import annotations

import importlib.util
import time
from datetime import date

import pytest
from django.db import connection, transaction

from reports.compilation import chunks_of_units
from reports.models import PeriodState, Snapshot
from reports.tasks import compile_month_task
from suzhou_childcare.accounts.models import Role, User
from suzhou_childcare.outbox.models import Job, JobStatus, MessageStatus, OutboxMessage
from suzhou_childcare.outbox.services import enqueue, job_create, outbox_resend_due

from .support import ROOT, start_worker, wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(900),
]

PERIOD = date(2026, 10, 1)  # the month bench/indicators.py's data describe
UNITS = 240
FACILITIES = 30_000
CHUNK_UNITS = 12  # 20 chunks of ~1,500 facilities


def _fill() -> None:
    spec = importlib.util.spec_from_file_location("bench_indicators", ROOT / "bench" / "indicators.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    admin = User.objects.create(username="faults_admin", role=Role.CITY_ADMIN)
    districts = bench.fill_units(UNITS)
    bench.fill_facilities(FACILITIES, districts, admin.pk)


def _dump() -> list[tuple]:
    """The month's snapshot table, sorted: what a reader of the statistics would get."""
    return sorted(
        Snapshot.objects.filter(period=PERIOD).values_list(
            "period", "district_id", "indicator", "value", "numerator", "denominator", "status", "estimated", "revision"
        ),
        key=lambda row: (row[1] or "", row[2], row[8]),
    )


def _compile(owner, title: str):
    with transaction.atomic():
        job = job_create(kind="reports.compile_month", title=title, owner=owner)
        enqueue(compile_month_task, period=PERIOD.isoformat(), job_id=str(job.id))
    return job


def _job(job) -> Job:
    return Job.objects.get(pk=job.pk)


def _clear_month() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM reports_snapshot WHERE period = %s", [PERIOD])
    PeriodState.objects.filter(period=PERIOD).delete()


def test_a_worker_killed_mid_compilation_leaves_the_snapshots_of_an_undisturbed_run(settings):
    settings.INDICATOR_CHUNK_UNITS = CHUNK_UNITS
    started = time.monotonic()
    _fill()
    admin = User.objects.get(username="faults_admin")
    chunks = chunks_of_units()
    units_total = sum(len(chunk) for chunk in chunks)
    assert len(chunks) >= 10, "the month must be split into enough chunks to be killed in the middle"
    print(
        f"\n  data: {units_total} units, {FACILITIES:,} facilities, {len(chunks)} chunks "
        f"({time.monotonic() - started:.1f} s to generate)"
    )
    env = {"INDICATOR_CHUNK_UNITS": str(CHUNK_UNITS)}

    # 1. The undisturbed run.
    worker = start_worker("undisturbed", **env)
    try:
        t0 = time.monotonic()
        job = _compile(admin, "undisturbed")
        assert wait_for(lambda: _job(job).status == JobStatus.SUCCEEDED, 300), worker.tail()
        undisturbed_seconds = time.monotonic() - t0
    finally:
        worker.stop()
    reference = _dump()
    assert len(reference) > units_total * 30
    print(f"  undisturbed run: {len(reference):,} snapshot rows in {undisturbed_seconds:.1f} s")

    _clear_month()
    OutboxMessage.objects.all().delete()

    # 2. The same month again; the worker is killed (SIGKILL, every process of it) once some chunks are done.
    worker = start_worker("doomed", **env)
    job = _compile(admin, "disturbed")
    chunk_units = max(len(chunk) for chunk in chunks)
    try:
        assert wait_for(lambda: _job(job).done >= 3 * chunk_units, 300, interval=0.02), worker.tail()
        worker.kill()
        worker.popen.wait(10)
    finally:
        worker.stop()
    killed = _job(job)
    running = list(
        OutboxMessage.objects.filter(task_name="reports.compile_chunk", status=MessageStatus.RUNNING).values_list(
            "id", flat=True
        )
    )
    done_chunks = OutboxMessage.objects.filter(task_name="reports.compile_chunk", status=MessageStatus.DONE).count()
    print(
        f"  killed at {killed.done}/{killed.total} units ({done_chunks}/{len(chunks)} chunks done, "
        f"{len(running)} running)"
    )
    assert killed.status == JobStatus.RUNNING and killed.done < killed.total, "the kill must land mid-way"
    assert running, "a chunk must have been running when the worker died"
    assert len(_dump()) < len(reference)

    # 3. A new worker; beat's part (the outbox sweep) is played here, every two seconds.
    worker = start_worker("successor", **env)
    t0 = time.monotonic()
    sweeps = []
    last_sweep = [0.0]

    def sweep():
        if time.monotonic() - last_sweep[0] >= 2:
            last_sweep[0] = time.monotonic()
            sent = outbox_resend_due()
            if sent:
                sweeps.append((round(time.monotonic() - t0, 1), sent))

    # What the job's page would show: once it says finished, every figure must be there.
    reported_finished = []

    def finished():
        if _job(job).status != JobStatus.SUCCEEDED:
            return False
        if not reported_finished:
            reported_finished.append(len(_dump()))
        return not OutboxMessage.objects.exclude(status=MessageStatus.DONE).exists()

    try:
        finished = wait_for(finished, 420, interval=0.5, during=sweep)
        assert finished, f"the compilation did not complete after the restart:\n{worker.tail()}"
        recovery_seconds = time.monotonic() - t0
        time.sleep(2)  # anything still in flight would show now
        assert outbox_resend_due() == 0
    finally:
        worker.stop()

    # Nothing lost, nothing applied twice.
    assert reported_finished == [len(reference)], "the job said it had finished before its last chunk was stored"
    after = _dump()
    assert after == reference
    assert all(row[8] == 1 for row in after)  # no second revision of any figure
    final = _job(job)
    assert (final.status, final.done) == (JobStatus.SUCCEEDED, final.total)
    chunk_messages = OutboxMessage.objects.filter(task_name="reports.compile_chunk")
    assert chunk_messages.count() == len(chunks)  # each chunk queued once, however often it was delivered
    assert set(chunk_messages.values_list("status", flat=True)) == {MessageStatus.DONE}
    rerun = chunk_messages.filter(run_attempts__gt=1)
    assert set(rerun.values_list("id", flat=True)) == set(running)  # only the chunks the kill interrupted ran again
    assert all(attempts == 2 for attempts in rerun.values_list("run_attempts", flat=True))
    print(
        f"  recovered in {recovery_seconds:.1f} s (sweep resent {sweeps}); {len(running)} chunk(s) ran again; "
        f"{len(after):,} rows identical to the undisturbed run"
    )
