"""PostgreSQL restarted under a running gunicorn: during the outage requests fail fast with the portal's 503 page
(JSON under /api/) and /healthz answers 503; once the database is back, requests succeed again without restarting
the app — persistent connections (CONN_MAX_AGE) left stale by the restart are replaced (CONN_HEALTH_CHECKS). A write
refused during the outage leaves nothing behind; repeated afterwards it is applied once.

gunicorn runs as a subprocess against the private PostgreSQL of scripts/faults.sh, which is restarted with
`pg_ctl -m fast` (the shared server of the machine is never touched).
"""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from suzhou_childcare.accounts.services import api_token_issue
from suzhou_childcare.outbox.models import Job, OutboxMessage

from .support import (
    fetch,
    free_port,
    postgres_restart,
    postgres_running,
    postgres_start,
    postgres_stop,
    start_gunicorn,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(600),
]

FAST = 3.0  # seconds: "fails fast" — a request during the outage must not hang
WORKERS = 2


def _reconnect() -> None:
    """This test process's own connection died with the server too."""
    connection.close()


def test_postgres_restart_gives_fast_503s_and_the_app_recovers_without_a_restart(city_admin, gusu_officer):
    web = Client()
    web.force_login(gusu_officer, backend="django.contrib.auth.backends.ModelBackend")
    officer = {"Cookie": f"sessionid={web.cookies['sessionid'].value}"}
    _token, key = api_token_issue(user=city_admin)
    api = {"Authorization": f"Token {key}"}
    api_write = {**api, "Content-Type": "application/json"}
    period = f"{timezone.localdate():%Y-%m}"
    calculation = json.dumps({"period": period}).encode()

    port = free_port()
    app = start_gunicorn("gunicorn", port, workers=WORKERS, DATABASE_CONN_MAX_AGE="600")

    def normal_requests(label: str, rounds: int = 3) -> list[float]:
        """Every kind of request, several times over so that each gunicorn worker answers some of them."""
        seconds = []
        for _ in range(rounds * WORKERS):
            for path, headers in [("/healthz", {}), ("/facilities/", officer), ("/api/v1/facilities/", api)]:
                answer = fetch(port, "GET", path, headers=headers)
                assert answer.status == 200, f"{label}: {path} answered {answer.status}\n{answer.text[:500]}"
                seconds.append(answer.seconds)
        return seconds

    try:
        warm = normal_requests("before")
        # The workers now hold persistent connections to the database.

        # 1. A quick restart nobody sees: the next requests find stale connections, which are replaced.
        postgres_restart()
        _reconnect()
        after_restart = normal_requests("right after a restart")

        # 2. An outage with requests during it.
        postgres_stop()
        _reconnect()
        outage = []
        for _ in range(2 * WORKERS):
            page = fetch(port, "GET", "/facilities/", headers=officer)
            assert page.status == 503, page.text[:500]
            assert "服务暂时不可用" in page.text and page.headers["Content-Type"].startswith("text/html")
            assert page.headers.get("Retry-After")
            public = fetch(port, "GET", "/public/facilities/")
            assert public.status == 503 and "服务暂时不可用" in public.text
            health = fetch(port, "GET", "/healthz")
            assert health.status == 503 and json.loads(health.body)["database"] == "error"
            listing = fetch(port, "GET", "/api/v1/facilities/", headers=api)
            assert listing.status == 503
            assert json.loads(listing.body)["code"] == "service_unavailable"
            write = fetch(port, "POST", "/api/v1/subsidies/calculations/", headers=api_write, body=calculation)
            assert write.status == 503 and json.loads(write.body)["code"] == "service_unavailable"
            outage += [page.seconds, public.seconds, health.seconds, listing.seconds, write.seconds]
        assert max(outage) < FAST, f"requests during the outage took up to {max(outage):.1f} s"

        postgres_start()
        _reconnect()
        back = normal_requests("after the outage")
        write = fetch(port, "POST", "/api/v1/subsidies/calculations/", headers=api_write, body=calculation)
        assert write.status == 202, write.text[:500]
        assert app.popen.poll() is None, "gunicorn must have kept running"
    finally:
        app.stop()
        if not postgres_running():
            postgres_start()
        _reconnect()

    # The writes refused during the outage left nothing; the one after it was applied once.
    assert Job.objects.count() == 1
    assert OutboxMessage.objects.filter(task_name="subsidies.calculate_period").count() == 1
    print(
        f"\n  before: {len(warm)} requests 200 (max {max(warm):.2f} s); pg_ctl restart: the next {len(after_restart)} "
        f"requests 200 on replaced connections (max {max(after_restart):.2f} s)"
        f"\n  outage: {len(outage)} requests 503 (page, public page, /healthz, API read, API write), max "
        f"{max(outage):.2f} s; back: {len(back)} requests 200 without restarting gunicorn; 1 write applied once"
    )
