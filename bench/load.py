"""The portal under load: gunicorn + PostgreSQL driven by wrk, against a raw psycopg2 + orjson WSGI handler serving
the same rows, in the same run on the same data. PostgreSQL only; needs `wrk` (apt-get install wrk) and `taskset`.

One command does everything and tears it all down:
1. a throw-away PostgreSQL database (portal_load_<pid>, on the server of BENCH_DATABASE_URL or DATABASE_URL),
   migrated, with the demo facility history (`facilities.demo.load_demo_history`, ~1,000 facilities with
   versions, classes and staff), last month compiled (`reports.compilation.compile_period`), finalised and
   published (so the public register shows its headline figures), a city admin and a statistics client with
   API tokens;
2. the SQL each endpoint's selectors issue, captured from one request through Django's test client
   (authentication, session and rate-limit statements left out), written for the raw handler
   (`bench/load_raw_wsgi.py`), which runs exactly those statements and shapes the rows into the portal's JSON
   (an HTML table for the register page);
3. two gunicorns pinned to CPU core 0 (`taskset -c 0`), sync workers: the portal with production settings
   (`bench/load_settings.py`: production plus plain static storage; generated secrets, no SSL redirect, no second
   factor, REVERSE_PROXY_COUNT=1, DATABASE_CONN_MAX_AGE=60 as README's production notes) and the raw handler;
4. wrk pinned to core 1 (`taskset -c 1`, `bench/load.lua`) against three endpoints:
     GET /api/v1/facilities/                                  city admin token (the API, first page of 20)
     GET /public/facilities/                                  no login (the HTML page; random X-Forwarded-For)
     GET /api/v1/statistics/districts/?period=YYYY-MM         statistics client token
   For each: saturation throughput (--connections, --duration) of the portal and of the raw handler and their
   ratio; the portal's unloaded median (one connection, sequential); the portal's p95 at about half its
   saturation throughput (connections paced by wrk's delay(), calibrated once), against that median (target
   ≤ 3×). Any socket error or non-2xx/3xx answer fails the run (exit 1).

The statistics endpoint caches its body (production behaviour: LocMem per worker, keyed by the month's last
change), so the portal answers it from memory after each worker's first request, while the raw handler runs the
selector's statements every time.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench .venv/bin/python bench/load.py
    … bench/load.py --smoke            # a few seconds of load per run, two connections
    make load
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
LUA = BENCH / "load.lua"
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
SERVER_CORE = "0"
LOAD_CORE = "1"
P95_TARGET = 3.0

# Statements the raw handler does not repeat: who is asking (token, user, session, second factor), the rate
# limiter and audit. Everything else a request reads is the endpoint's data.
NOT_DATA = re.compile(r'"(accounts_|django_session|otp_|axes_|audit_|django_cache)', re.IGNORECASE)


# --- environment ------------------------------------------------------------------------------------------------


def database_urls() -> tuple[str, str]:
    """(the server's URL as given, the throw-away database's URL)."""
    base = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
    if not base.startswith(("postgres://", "postgresql://")):
        sys.exit(
            "load.py needs PostgreSQL: BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench "
            ".venv/bin/python bench/load.py"
        )
    parts = urlsplit(base)
    return base, urlunsplit(parts._replace(path=f"/portal_load_{os.getpid()}"))


def production_environment(database_url: str, work: Path) -> dict[str, str]:
    """Production settings' secrets (generated for this run) and the switches a local run needs."""
    from cryptography.fernet import Fernet

    return {
        "DJANGO_SETTINGS_MODULE": "load_settings",
        "DJANGO_READ_DOT_ENV": "false",
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": "60",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "BLIND_INDEX_KEY": secrets.token_urlsafe(32),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SECURE_HSTS_SECONDS": "0",
        "OTP_REQUIRED": "false",
        "REVERSE_PROXY_COUNT": "1",
        "CELERY_BROKER_URL": "",
        "STATIC_ROOT": str(work / "static"),  # empty: no static file is requested
        "PYTHONPATH": os.pathsep.join([str(BENCH), str(ROOT)]),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- data -------------------------------------------------------------------------------------------------------


def previous_month():
    from django.utils import timezone

    return (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)


def fill() -> dict:
    """The demo facility history and one compiled, final, published month; two API tokens."""
    from django.utils import timezone

    from facilities.demo import load_demo_history
    from reports.compilation import compile_period
    from reports.services import period_finalise, period_publish
    from suzhou_childcare.accounts.models import User
    from suzhou_childcare.accounts.services import api_token_issue

    history = load_demo_history(today=timezone.localdate())
    admin = User.objects.create(username="load_city_admin", role="city_admin")
    stats = User.objects.create(username="load_stats_client", role="statistics_client")
    period = previous_month()
    compile_period(period=period)
    period_finalise(actor=admin, period=period)
    period_publish(actor=admin, period=period, published=True)
    return {
        "facilities": history["facilities"],
        "period": f"{period:%Y-%m}",
        "admin_token": api_token_issue(user=admin)[1],
        "stats_token": api_token_issue(user=stats)[1],
    }


def capture(path: str, token: str) -> list[str]:
    """The data statements one request of `path` runs (body cache cleared, so the statistics selector runs)."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    headers = {"HTTP_X_FORWARDED_FOR": "10.0.0.1"}
    if token:
        headers["HTTP_AUTHORIZATION"] = f"Token {token}"
    client = Client(**headers)
    client.get(path)  # warm-up: lazy reference data, translations
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    if response.status_code != 200:
        raise SystemExit(f"{path} answered {response.status_code} in the loader: {response.content[:300]!r}")
    statements = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    return [sql for sql in statements if not NOT_DATA.search(sql)]


# --- processes --------------------------------------------------------------------------------------------------


def start_gunicorn(app: str, port: int, workers: int, env: dict, log: Path) -> subprocess.Popen:
    command = [
        "taskset", "-c", SERVER_CORE, GUNICORN, app,
        "--pythonpath", f"{BENCH},{ROOT}", "--chdir", str(ROOT),
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--worker-class", "sync",
        "--timeout", "60", "--access-logfile", "/dev/null", "--error-logfile", "-",
    ]  # fmt: skip
    with log.open("ab") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)  # noqa: S603


def stop(process: subprocess.Popen | None) -> None:
    """gunicorn's master and workers form the process group started above."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


def wait_ready(process: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn ended (status {process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own local server
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer {url} within 60 s:\n{log.read_text()[-3000:]}")


def fetch(url: str, token: str) -> bytes:
    request = urllib.request.Request(url, headers={"X-Forwarded-For": "10.0.0.2"})  # noqa: S310
    if token:
        request.add_header("Authorization", f"Token {token}")
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - our own local server
        return response.read()


# --- wrk --------------------------------------------------------------------------------------------------------


def wrk(url: str, *, token: str, connections: int, threads: int, seconds: float, delay_ms: int = 0) -> dict:
    command = [
        "taskset", "-c", LOAD_CORE, "wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s",
        "--timeout", "10s", "-s", str(LUA), url,
    ]  # fmt: skip
    env = {**os.environ, "LOAD_TOKEN": token, "LOAD_DELAY_MS": str(delay_ms)}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=seconds + 60, check=False)  # noqa: S603
    line = next((x for x in done.stdout.splitlines() if x.startswith("LOADJSON ")), None)
    if done.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed (status {done.returncode}):\n{done.stdout}\n{done.stderr}")
    result = json.loads(line.removeprefix("LOADJSON "))
    result["rate"] = result["requests"] / (result["duration_us"] / 1e6)
    result["errors"] = sum(result[k] for k in ("connect", "read", "write", "status", "timeout"))
    return result


def half_load(url: str, *, token: str, saturation: float, median_ms: float, seconds: float) -> dict:
    """The portal at about half its saturation throughput. wrk is closed-loop: `c` connections, one per thread,
    each pausing `delay` ms before its next request, give c / (delay + service time) requests a second. The
    delay comes from the unloaded median, then once more from the service time measured if the rate missed."""
    target = saturation / 2
    connections = max(2, min(32, math.ceil(target * max(10.0, 4 * median_ms) / 1000)))
    interval_ms = connections * 1000 / target
    delay = max(1, round(interval_ms - median_ms))
    result = wrk(url, token=token, connections=connections, threads=connections, seconds=seconds, delay_ms=delay)
    if not 0.42 <= result["rate"] / saturation <= 0.58:
        service_ms = connections * 1000 / result["rate"] - delay
        delay = max(1, round(interval_ms - service_ms))
        result = wrk(url, token=token, connections=connections, threads=connections, seconds=seconds, delay_ms=delay)
    result["connections"], result["delay_ms"] = connections, delay
    return result


# --- the run ----------------------------------------------------------------------------------------------------


def same_rows(name: str, portal: bytes, raw: bytes) -> str:
    """What the two servers answer holds the same rows (a check before timing anything)."""
    if name == "register":
        raw_names = re.findall(rb"<td>(.*?)</td>", raw)[::2]
        missing = [n for n in raw_names if n not in portal]
        assert raw_names and not missing, f"register: raw rows missing from the page: {missing[:3]}"
        return f"{len(raw_names)} facilities on the page"
    p, r = json.loads(portal), json.loads(raw)
    key = "id" if name == "facilities" else "district"
    p_keys, r_keys = [row[key] for row in p["results"]], [row[key] for row in r["results"]]
    assert p_keys == r_keys, f"{name}: portal rows {p_keys[:5]} ≠ raw rows {r_keys[:5]}"
    if name == "statistics":
        assert p["results"] == r["results"], "statistics: figures differ"
        return f"{len(p_keys)} units × {len(p['results'][0]['indicators'])} figures, equal"
    assert p["count"] == r["count"], f"facilities: count {p['count']} ≠ {r['count']}"
    return f"{len(p_keys)} of {p['count']} facilities"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=12, help="seconds of each saturation and half-load run")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections at saturation")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers of each server")
    parser.add_argument("--unloaded", type=float, default=5, help="seconds of the single-connection run")
    parser.add_argument("--smoke", action="store_true", help="3 s runs, 2 connections: checks the machinery")
    parser.add_argument("--show-sql", action="store_true", help="print the statements the raw handler runs")
    args = parser.parse_args()
    if args.smoke:
        args.duration, args.connections, args.unloaded = 3, 2, 2
    for tool in ("wrk", "taskset"):
        if shutil.which(tool) is None:
            sys.exit(
                f"load.py needs `{tool}` on PATH (Debian: apt-get install -y "
                f"{'wrk' if tool == 'wrk' else 'util-linux'})"
            )
    wall = time.perf_counter()
    _base, url = database_urls()
    work = Path(tempfile.mkdtemp(prefix="portal-load-"))
    (work / "static").mkdir()
    os.environ.update(production_environment(url, work))
    sys.path[:0] = [str(ROOT), str(BENCH)]
    import django

    django.setup()
    from django.db import connection

    connection.settings_dict.setdefault("TEST", {})["NAME"] = url.rsplit("/", 1)[1]
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    portal = raw = None
    failed = False
    try:
        start = time.perf_counter()
        data = fill()
        endpoints = [
            ("facilities", "/api/v1/facilities/", data["admin_token"]),
            ("register", "/public/facilities/", ""),
            ("statistics", f"/api/v1/statistics/districts/?period={data['period']}", data["stats_token"]),
        ]
        spec = {name: capture(path, token) for name, path, token in endpoints}
        spec_file = work / "raw_spec.json"
        spec_file.write_text(json.dumps({"paths": {path: name for name, path, _ in endpoints}, "sql": spec}))
        print(
            f"database: PostgreSQL {connection.pg_version // 10000}, {connection.settings_dict['NAME']}: "
            f"{data['facilities']} demo facilities, month {data['period']} compiled and published; "
            f"filled in {time.perf_counter() - start:.0f} s"
        )
        if args.show_sql:
            for name, statements in spec.items():
                print(f"-- {name}\n" + ";\n".join(statements) + ";")
        connection.close()

        portal_port, raw_port = free_port(), free_port()
        portal_log, raw_log = work / "portal.log", work / "raw.log"
        portal = start_gunicorn("suzhou_childcare.wsgi", portal_port, args.workers, {**os.environ}, portal_log)
        raw = start_gunicorn(
            "load_raw_wsgi:application",
            raw_port,
            args.workers,
            {**os.environ, "LOAD_RAW_SPEC": str(spec_file)},
            raw_log,
        )
        portal_url, raw_url = f"http://127.0.0.1:{portal_port}", f"http://127.0.0.1:{raw_port}"
        wait_ready(portal, portal_url + "/healthz", portal_log)
        wait_ready(raw, raw_url + "/healthz", raw_log)
        encoder = "orjson" if importlib.util.find_spec("orjson") else "the stdlib json (orjson is not installed)"
        print(
            f"raw handler encodes with {encoder}; "
            f"servers on core {SERVER_CORE}: portal gunicorn and raw handler, {args.workers} sync workers each; "
            f"wrk on core {LOAD_CORE}, {args.connections} connections, {args.duration:g} s runs"
        )

        rows = []
        for name, path, token in endpoints:
            print(f"{name} ({path}): {same_rows(name, fetch(portal_url + path, token), fetch(raw_url + path, token))}")
            # Warm-up: every worker connected, caches filled.
            wrk(portal_url + path, token=token, connections=args.connections, threads=2, seconds=2)
            wrk(raw_url + path, token=token, connections=args.connections, threads=2, seconds=2)
            saturated = wrk(
                portal_url + path, token=token, connections=args.connections, threads=2, seconds=args.duration
            )
            raw_saturated = wrk(
                raw_url + path, token=token, connections=args.connections, threads=2, seconds=args.duration
            )
            unloaded = wrk(portal_url + path, token=token, connections=1, threads=1, seconds=args.unloaded)
            median_ms = unloaded["p50_us"] / 1000
            half = half_load(
                portal_url + path, token=token, saturation=saturated["rate"], median_ms=median_ms, seconds=args.duration
            )
            runs = (saturated, raw_saturated, unloaded, half)
            errors = sum(r["errors"] for r in runs)
            status_errors = sum(r["status"] for r in runs)
            failed = failed or errors > 0
            rows.append((name, saturated, raw_saturated, unloaded, half, errors))
            print(
                f"  half load: {half['rate']:.0f} req/s ({half['rate'] / saturated['rate']:.0%} of saturation), "
                f"{half['connections']} connections pausing {half['delay_ms']} ms; "
                f"errors {errors} (socket {errors - status_errors}, non-2xx/3xx {status_errors})"
            )
        print()
        header = (
            "endpoint",
            "portal req/s",
            "raw req/s",
            "ratio",
            "unloaded p50 ms",
            "p95 @ half ms",
            "ratio",
            "errors",
        )
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        over = False
        for name, saturated, raw_saturated, unloaded, half, errors in rows:
            median_ms, p95_ms = unloaded["p50_us"] / 1000, half["p95_us"] / 1000
            over = over or p95_ms / median_ms > P95_TARGET
            print(
                f"| {name} | {saturated['rate']:.0f} | {raw_saturated['rate']:.0f} | "
                f"{raw_saturated['rate'] / saturated['rate']:.2f} | {median_ms:.1f} | {p95_ms:.1f} | "
                f"{p95_ms / median_ms:.2f} | {errors} |"
            )
        print(
            f"\nratio = raw ÷ portal throughput at saturation; p95 at half saturation ÷ unloaded median, target ≤ "
            f"{P95_TARGET:g}{' (missed)' if over else ' (met)'}; errors must be 0{' (FAILED)' if failed else ''}.\n"
            "statistics: the portal answers from its body cache (production behaviour), the raw handler runs the "
            "selector's statements on every request"
        )
        if failed:
            for log in (portal_log, raw_log):
                print(f"--- last lines of {log.name}\n{log.read_text()[-3000:]}")
    finally:
        stop(portal)
        stop(raw)
        from django.db import connection as conn

        conn.close()
        conn.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(work, ignore_errors=True)
    print(f"wall time {time.perf_counter() - wall:.0f} s")
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
