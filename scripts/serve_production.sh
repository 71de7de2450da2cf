#!/usr/bin/env bash
# The portal as production runs it: gunicorn, a Celery worker and Celery beat, against PostgreSQL and Redis,
# with the production settings. `make serve` runs all three; on a machine of its own each runs alone:
#
#   scripts/serve_production.sh [all|web|worker|beat]     (default: all)
#
# Settings come from the process environment or .env (README, "Running in production"); production refuses
# to start without DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, FIELD_ENCRYPTION_KEYS and BLIND_INDEX_KEY, and this
# script without a PostgreSQL DATABASE_URL and a Redis CELERY_BROKER_URL. Knobs (environment):
#   SERVE_BIND=127.0.0.1:8000   gunicorn's address (the reverse proxy in front terminates TLS)
#   GUNICORN_WORKERS            default 2 × cores + 1;  GUNICORN_TIMEOUT default 60 s
#   CELERY_CONCURRENCY          worker processes, default the number of cores
#   CELERY_QUEUES=celery        queues this worker consumes (every task goes to `celery` today)
#   SERVE_MIGRATE               1: apply migrations before starting (default 1 for `all`, 0 otherwise)
#   SERVE_STATE_DIR             beat's schedule file and pid file (default: .venv/var)
# The processes run in the foreground; when one of them ends the others are stopped and the script exits
# non-zero, so systemd (Restart=always) or any supervisor restarts the set. TERM/INT stop them gracefully:
# gunicorn finishes its requests, the worker its tasks (acks_late: an interrupted task is delivered again).
set -euo pipefail
cd "$(dirname "$0")/.."
role=${1:-all}
case "$role" in
  all | web | worker | beat) ;;
  *) echo "usage: $0 [all|web|worker|beat]" >&2; exit 2 ;;
esac
PY=.venv/bin/python
export DJANGO_SETTINGS_MODULE=suzhou_childcare.settings.production
cores=$(nproc)
bind=${SERVE_BIND:-127.0.0.1:8000}
state=${SERVE_STATE_DIR:-$PWD/.venv/var}
mkdir -p "$state"

# 1. Settings: secrets present, PostgreSQL and Redis configured and reachable. Fails with one clear line each.
$PY - <<'EOF'
import sys

import django
from django.core.exceptions import ImproperlyConfigured

try:
    django.setup()
except ImproperlyConfigured as exc:
    sys.exit(f"serve: {exc} (see README, 'Running in production', and .env.example)")
from django.conf import settings
from django.db import connection

problems = []
if connection.vendor != "postgresql":
    problems.append("DATABASE_URL must point to PostgreSQL, e.g. postgres://portal:…@127.0.0.1:5432/portal")
else:
    try:
        connection.ensure_connection()
    except Exception as exc:  # noqa: BLE001 - any failure to connect is reported the same way
        problems.append(f"PostgreSQL at DATABASE_URL is not reachable: {exc}".strip())
if not settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    problems.append("CELERY_BROKER_URL must point to Redis, e.g. redis://127.0.0.1:6379/0")
else:
    from suzhou_childcare.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=2, timeout=3)
    except Exception as exc:  # noqa: BLE001
        problems.append(f"Redis at CELERY_BROKER_URL is not reachable: {exc}")
for problem in problems:
    print(f"serve: {problem}", file=sys.stderr)
sys.exit(1 if problems else 0)
EOF
$PY manage.py check --deploy

# 2. The database schema and the static files (served by WhiteNoise from STATIC_ROOT).
if [ "${SERVE_MIGRATE:-$([ "$role" = all ] && echo 1 || echo 0)}" = 1 ]; then
  $PY manage.py migrate --noinput
fi
if [ "$role" = all ] || [ "$role" = web ]; then
  $PY manage.py collectstatic --noinput -v0
fi

# 3. The processes.
pids=()
stop() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap 'stop; exit 143' INT TERM
trap stop EXIT

if [ "$role" = all ] || [ "$role" = web ]; then
  .venv/bin/gunicorn suzhou_childcare.wsgi \
    --bind "$bind" \
    --workers "${GUNICORN_WORKERS:-$((2 * cores + 1))}" \
    --timeout "${GUNICORN_TIMEOUT:-60}" --graceful-timeout 30 \
    --max-requests 2000 --max-requests-jitter 200 \
    --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}" \
    --access-logfile - &
  pids+=($!)
fi
if [ "$role" = all ] || [ "$role" = worker ]; then
  queues=${CELERY_QUEUES:-celery}
  .venv/bin/celery -A suzhou_childcare worker --loglevel=INFO \
    --concurrency "${CELERY_CONCURRENCY:-$cores}" --queues "$queues" \
    --hostname "portal-${queues//,/-}@%h" --max-tasks-per-child 500 &
  pids+=($!)
fi
if [ "$role" = all ] || [ "$role" = beat ]; then
  # Exactly one beat in the whole installation: a second would queue every periodic task twice.
  .venv/bin/celery -A suzhou_childcare beat --loglevel=INFO \
    --schedule "$state/celerybeat-schedule" --pidfile "$state/celerybeat.pid" &
  pids+=($!)
fi

if [ "$role" = all ] || [ "$role" = web ]; then
  # The health check as the reverse proxy would send it: an allowed host name, HTTPS already terminated.
  host=$($PY -c 'import django; django.setup(); from django.conf import settings; print(settings.ALLOWED_HOSTS[0].lstrip("."))')
  healthy=""
  for _ in $(seq 60); do
    if healthy=$(curl -fsS -H "Host: $host" -H "X-Forwarded-Proto: https" "http://$bind/healthz" 2>/dev/null); then break; fi
    healthy=""
    sleep 0.5
  done
  if [ -n "$healthy" ]; then
    echo "serve: http://$bind/healthz $healthy"
  else
    echo "serve: /healthz did not answer 200 within 30 s (database or broker down?)" >&2
  fi
fi
echo "serve: running $role (pids ${pids[*]}); TERM or Ctrl-C stops them"

# The set lives and dies together: the first process to end ends the others.
set +e
wait -n "${pids[@]}"
status=$?
echo "serve: a process ended (status $status); stopping the others" >&2
exit $((status == 0 ? 1 : status))
