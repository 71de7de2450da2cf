#!/usr/bin/env bash
# Serves the portal on http://127.0.0.1:8000. With a broker configured (CELERY_BROKER_URL in the
# environment or .env) a Celery worker and beat run beside the server and stop with it.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

broker=$($PY -c 'import django, os; os.environ.setdefault("DJANGO_SETTINGS_MODULE", "suzhou_childcare.settings.development"); django.setup(); from django.conf import settings; print(settings.CELERY_BROKER_URL)')

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

if [ -n "$broker" ]; then
  echo "Broker configured: starting a Celery worker and beat."
  .venv/bin/celery -A suzhou_childcare worker --loglevel=INFO --concurrency=2 &
  pids+=($!)
  .venv/bin/celery -A suzhou_childcare beat --loglevel=INFO --schedule=.venv/celerybeat-schedule &
  pids+=($!)
else
  echo "No broker configured: background tasks run in-process."
fi

echo "Portal: http://127.0.0.1:8000/  (API docs: http://127.0.0.1:8000/api/docs/)"
$PY manage.py runserver 127.0.0.1:8000 --noreload &
pids+=($!)
wait "${pids[-1]}"
