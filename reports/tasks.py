"""Celery tasks of the indicator compilation: one task per chunk of units, so more workers finish sooner.

Each task is idempotent (figures equal to the stored ones write nothing), acknowledged late and retried a
bounded number of times (OutboxTask), with time limits below the broker's visibility timeout. The last chunk of
a month to finish compiles the city's rows from the units' (`compile_city` is idempotent too, so a chunk
delivered twice does no harm).
"""

from __future__ import annotations

from datetime import date, timedelta

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from suzhou_childcare.outbox.models import Job
from suzhou_childcare.outbox.services import job_fail
from suzhou_childcare.outbox.tasks import OutboxTask


@shared_task(name="reports.compile_chunk", base=OutboxTask, ignore_result=True, soft_time_limit=600, time_limit=900)
def compile_chunk_task(*, period: str, district_codes: list[str], job_id: str | None = None) -> int:
    from .compilation import compile_chunk, compile_city

    month = date.fromisoformat(period)
    try:
        changed = compile_chunk(period=month, district_codes=district_codes)
    except Exception as exc:
        if job_id is not None and compile_chunk_task.request.retries >= compile_chunk_task.max_retries:
            job_fail(job_id=job_id, message=str(exc)[:500])  # the page polling the job shows the failure
        raise
    if job_id is None:
        return changed + compile_city(period=month)
    # Counted once per chunk, under the job's row lock: a chunk run again because its worker died after counting it
    # (before its outbox row was marked done) must not count twice, or the job would finish before its last chunk.
    with transaction.atomic():
        job = Job.objects.select_for_update().get(id=job_id)
        counted = job.result.get("chunks_counted", [])
        if district_codes[0] not in counted:
            job.done = min(job.done + len(district_codes), job.total)
            job.result = {**job.result, "chunks_counted": [*counted, district_codes[0]]}
            job.status = "running"
            job.save(update_fields=["done", "result", "status", "updated_at"])
    if job.done >= job.total:
        changed += compile_city(period=month)
        Job.objects.filter(id=job_id).update(status="succeeded", message="")
    return changed


@shared_task(name="reports.compile_month", base=OutboxTask, ignore_result=True, soft_time_limit=300, time_limit=600)
def compile_month_task(*, period: str | None = None, job_id: str | None = None) -> int:
    """Queue one chunk task per group of units for the month (default: the current month)."""
    from django.db import transaction

    from suzhou_childcare.outbox.services import enqueue

    from .compilation import chunks_of_units

    month = period or timezone.localdate().replace(day=1).isoformat()
    chunks = chunks_of_units()
    if job_id is not None:
        Job.objects.filter(id=job_id).update(total=sum(len(c) for c in chunks), done=0, result={}, status="running")
    with transaction.atomic():
        for chunk in chunks:
            enqueue(compile_chunk_task, period=month, district_codes=chunk, job_id=job_id)
    return len(chunks)


@shared_task(name="reports.nightly", base=OutboxTask, ignore_result=True, soft_time_limit=900, time_limit=1200)
def nightly() -> dict:
    """Nightly: the current month again (provisional); after a month ends, compile it once more and finalise it."""
    from .compilation import compile_period, finalise_period
    from .models import PeriodState, SnapshotStatus

    today = timezone.localdate()
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    written = compile_period(period=this_month, today=today)
    state = PeriodState.objects.filter(period=last_month).first()
    if state is None or state.status != SnapshotStatus.FINAL:
        written += compile_period(period=last_month, today=today)
        finalise_period(period=last_month)
    return {"written": written}
