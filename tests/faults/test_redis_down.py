"""Redis stopped: filings and pages keep working, the jobs they queue wait in the outbox, and once Redis is back the
sweep delivers them and each effect is applied exactly once — one e-mail, one compilation, one set of snapshots.

The private Redis of scripts/faults.sh is shut down without saving (whatever it held is gone, as after a crash)
while a real worker subprocess keeps running; requests go through the Django test client in this process.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from facilities.models import FilingStatus
from reports.catalogue import CODES
from reports.models import PeriodState, Snapshot
from suzhou_childcare.notices.models import Notice
from suzhou_childcare.outbox.models import Job, JobStatus, MessageStatus, OutboxMessage
from suzhou_childcare.outbox.services import outbox_resend_due
from suzhou_childcare.regions.models import District
from tests.facilities.factories import complete_draft

from .support import redis_answers, redis_start, redis_stop, start_worker, wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(600),
]

OFFICER_EMAIL = "gusu.officer@example.gov.cn"


def _mails() -> list[str]:
    folder = Path(django_settings.EMAIL_FILE_PATH)
    if not folder.exists():
        return []
    texts = [path.read_text(errors="replace") for path in sorted(folder.iterdir())]
    return [text for text in texts for _ in range(text.count(f"To: {OFFICER_EMAIL}"))]


def test_with_redis_down_filings_and_pages_work_and_queued_jobs_run_once_when_it_returns(
    settings, operator, gusu_officer, city_admin, web_client_for
):
    settings.NOTICE_EMAIL_ENABLED = True
    gusu_officer.email = OFFICER_EMAIL
    gusu_officer.save()
    facility = complete_draft(operator)
    operator_web, officer_web, admin_web = (web_client_for(u) for u in (operator, gusu_officer, city_admin))
    period = timezone.localdate().replace(day=1)
    mails_before = len(_mails())

    worker = start_worker("steady", NOTICE_EMAIL_ENABLED="true")
    try:
        assert wait_for(lambda: "ready" in worker.tail(200), 60), worker.tail()

        redis_stop()
        outage_started = time.monotonic()

        # The operator submits the filing: answered normally, the officer's notice is there at once.
        t0 = time.monotonic()
        response = operator_web.post(f"/facilities/{facility.pk}/do/submit/", {"commitment": "on"})
        submit_seconds = time.monotonic() - t0
        assert response.status_code == 302, response.content[:500]
        facility.refresh_from_db()
        assert facility.filing_status == FilingStatus.SUBMITTED
        assert Notice.objects.filter(recipient=gusu_officer, kind="filing.submitted").count() == 1

        # The city admin recomputes the month: the job page answers and shows it queued.
        t0 = time.monotonic()
        response = admin_web.post("/reports/dashboard/recompute/", {"period": f"{period:%Y-%m}"})
        recompute_seconds = time.monotonic() - t0
        assert response.status_code == 302, response.content[:500]
        job = Job.objects.get()
        assert admin_web.get(response["Location"]).status_code == 200

        # Pages keep working.
        for web, path in [
            (admin_web, "/"),
            (admin_web, "/reports/dashboard/"),
            (officer_web, "/facilities/"),
            (officer_web, "/facilities/queue/"),
            (officer_web, "/notices/"),
            (operator_web, f"/facilities/{facility.pk}/"),
        ]:
            assert web.get(path).status_code == 200, path
        health = admin_web.get("/healthz")
        assert health.status_code == 503
        assert (health.json()["database"], health.json()["broker"]) == ("ok", "error")

        # Both tasks wait in the outbox, each tried once; nothing ran.
        waiting = OutboxMessage.objects.order_by("created_at")
        assert [(m.task_name, m.status, m.send_attempts) for m in waiting] == [
            ("notices.send_email", MessageStatus.PENDING, 1),
            ("reports.compile_month", MessageStatus.PENDING, 1),
        ]
        assert all(m.last_error.startswith("send:") for m in waiting)
        assert outbox_resend_due() == 0  # the sweep, during the outage: still nothing can be sent
        time.sleep(2)
        assert len(_mails()) == mails_before
        assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED
        assert not Snapshot.objects.exists()
        outage_seconds = time.monotonic() - outage_started

        # Redis returns (empty); the worker reconnects; beat's sweep, played here, sends what waited.
        redis_start()
        assert redis_answers()
        t0 = time.monotonic()
        last_sweep = [0.0]

        def sweep():
            if time.monotonic() - last_sweep[0] >= 2:
                last_sweep[0] = time.monotonic()
                outbox_resend_due()

        delivered = wait_for(
            lambda: not OutboxMessage.objects.exclude(status=MessageStatus.DONE).exists(),
            120,
            interval=0.3,
            during=sweep,
        )
        assert delivered, f"the waiting tasks were not delivered:\n{worker.tail()}"
        delivery_seconds = time.monotonic() - t0
        time.sleep(3)  # a duplicate delivery would show now
        assert outbox_resend_due() == 0
        assert worker.popen.poll() is None, f"the worker did not survive the outage:\n{worker.tail()}"
    finally:
        worker.stop()
        if not redis_answers():
            redis_start()

    # Each effect exactly once.
    mails = _mails()[mails_before:]
    assert len(mails) == 1
    assert Notice.objects.get(recipient=gusu_officer, kind="filing.submitted").emailed_at is not None
    job.refresh_from_db()
    assert (job.status, job.done) == (JobStatus.SUCCEEDED, job.total)
    units = District.objects.count()
    rows = Snapshot.objects.filter(period=period)
    assert rows.count() == (units + 1) * len(CODES)
    assert set(rows.values_list("revision", flat=True)) == {1}
    assert PeriodState.objects.filter(period=period).count() == 1
    messages = list(OutboxMessage.objects.values_list("task_name", "status", "run_attempts"))
    assert all(status == MessageStatus.DONE and attempts == 1 for _name, status, attempts in messages), messages
    assert sorted(name for name, _s, _a in messages).count("reports.compile_month") == 1
    print(
        f"\n  Redis down {outage_seconds:.1f} s: filing submitted in {submit_seconds:.2f} s, recompute queued in "
        f"{recompute_seconds:.2f} s, 6 pages 200, /healthz 503 (broker error); 2 tasks waited in the outbox"
        f"\n  Redis back: delivered in {delivery_seconds:.1f} s; 1 e-mail, 1 compilation "
        f"({len(messages)} messages, each run once), {rows.count()} snapshot rows, all revision 1"
    )
