"""Helpers of the fault tests: the private PostgreSQL and Redis of scripts/faults.sh (stopped, started, restarted
here and nowhere else), Celery workers and gunicorn as real subprocesses, and waiting with a deadline."""

from __future__ import annotations

import contextlib
import http.client
import os
import shlex
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
WORK = Path(os.environ.get("FAULT_WORK") or tempfile.gettempdir())
QUEUE = "portal-faults"


# --- the private services -------------------------------------------------------------------------------------


def _pg_ctl(*args: str) -> None:
    command = [
        *shlex.split(os.environ.get("FAULT_AS_PG", "")),
        os.path.join(os.environ["FAULT_PG_BIN"], "pg_ctl"),
        "-D",
        os.environ["FAULT_PG_DATA"],
        "-l",
        str(WORK / "postgres.log"),
        *args,
    ]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, timeout=60)  # noqa: S603


def postgres_running() -> bool:
    command = [
        *shlex.split(os.environ.get("FAULT_AS_PG", "")),
        os.path.join(os.environ["FAULT_PG_BIN"], "pg_ctl"),
        "-D",
        os.environ["FAULT_PG_DATA"],
        "status",
    ]
    return subprocess.run(command, check=False, stdout=subprocess.DEVNULL, timeout=30).returncode == 0  # noqa: S603


def postgres_stop() -> None:
    _pg_ctl("-m", "fast", "-w", "stop")


def postgres_start() -> None:
    _pg_ctl("-w", "-o", os.environ["FAULT_PG_OPTIONS"], "start")


def postgres_restart() -> None:
    _pg_ctl("-m", "fast", "-w", "-o", os.environ["FAULT_PG_OPTIONS"], "restart")


def redis_port() -> int:
    return int(os.environ["FAULT_REDIS_PORT"])


def redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", redis_port()), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def redis_flush() -> None:
    with socket.create_connection(("127.0.0.1", redis_port()), timeout=5) as sock:
        sock.sendall(b"FLUSHALL\r\n")
        assert sock.recv(16).startswith(b"+OK")


def redis_stop() -> None:
    """Shut the private Redis down without saving: whatever it held is gone, as after a crash."""
    subprocess.run(  # noqa: S603
        ["redis-cli", "-p", str(redis_port()), "shutdown", "nosave"],  # noqa: S607
        check=False,
        capture_output=True,
        timeout=10,
    )
    assert wait_for(lambda: not redis_answers(), 10), "the private Redis did not stop"


def redis_start() -> None:
    subprocess.run(  # noqa: S603
        [  # noqa: S607
            "redis-server",
            "--port",
            str(redis_port()),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "yes",
            "--pidfile",
            str(WORK / "redis.pid"),
            "--logfile",
            str(WORK / "redis.log"),
            "--dir",
            str(WORK),
        ],
        check=True,
        timeout=10,
    )
    assert wait_for(redis_answers, 10), "the private Redis did not start"


# --- subprocesses of the portal --------------------------------------------------------------------------------


def current_database_url() -> str:
    """The URL of the database this test runs on (pytest-django's test database), for the subprocesses."""
    s = connection.settings_dict
    return f"postgres://{s['USER'] or 'postgres'}@{s['HOST'] or '127.0.0.1'}:{s['PORT']}/{s['NAME']}"


def portal_env(**extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": current_database_url(),
        "DJANGO_SETTINGS_MODULE": "tests.faults.settings",
        "DJANGO_READ_DOT_ENV": "false",
        "PYTHONPATH": str(ROOT),
    }
    env.update(extra)
    return env


@dataclass
class Process:
    """A subprocess started in a session of its own, so that it and its children are signalled as one group."""

    name: str
    popen: subprocess.Popen
    log: Path

    def kill(self, sig: int = signal.SIGKILL) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, sig)

    def stop(self, timeout: float = 20) -> None:
        if self.popen.poll() is None:
            self.kill(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill(signal.SIGKILL)
                self.popen.wait(10)
        # Children a dead parent left behind (a prefork pool child, a gunicorn worker).
        self.kill(signal.SIGKILL)

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def _spawn(name: str, command: list[str], env: dict[str, str]) -> Process:
    log = WORK / f"{name}.log"
    handle = log.open("ab")
    popen = subprocess.Popen(  # noqa: S603
        command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )
    handle.close()
    return Process(name, popen, log)


def start_worker(name: str, *, concurrency: int = 2, **env: str) -> Process:
    """`celery -A suzhou_childcare worker` on the fault queue, against this test's database and the private Redis."""
    command = [
        str(VENV_BIN / "celery"),
        "-A",
        "suzhou_childcare",
        "worker",
        "-Q",
        QUEUE,
        "-n",
        f"{name}@faults",
        "--concurrency",
        str(concurrency),
        "--loglevel",
        "INFO",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    return _spawn(name, command, portal_env(**env))


def start_gunicorn(name: str, port: int, *, workers: int = 2, **env: str) -> Process:
    command = [
        str(VENV_BIN / "gunicorn"),
        "suzhou_childcare.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--timeout",
        "60",
    ]
    process = _spawn(name, command, portal_env(**env))
    assert wait_for(lambda: _port_open(port), 30), f"gunicorn did not start:\n{process.tail()}"
    return process


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- HTTP against a subprocess ---------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    body: bytes
    headers: dict[str, str]
    seconds: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def fetch(port: int, method: str, path: str, *, headers: dict | None = None, body: bytes | None = None) -> Answer:
    """One request on a new connection (as a browser behind a proxy would), timed; 60 s at most."""
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers={"Host": "127.0.0.1", **(headers or {})})
        response = conn.getresponse()
        data = response.read()
        return Answer(response.status, data, dict(response.getheaders()), time.monotonic() - started)
    finally:
        conn.close()


# --- waiting ---------------------------------------------------------------------------------------------------


def wait_for(predicate, timeout: float, interval: float = 0.1, during=None) -> bool:
    """Poll `predicate` until it holds or `timeout` seconds pass; `during()` runs between polls (e.g. a sweep)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        if during is not None:
            during()
        time.sleep(interval)
    return bool(predicate())
