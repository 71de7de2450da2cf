#!/usr/bin/env bash
# The main journeys in a real browser (headless Chromium from Debian's `chromium` package), on a throw-away
# SQLite database and server, one after another on the same data:
#   e2e/filing.mjs       an operator signs up and files; the unit's officer records it; the QR link verifies it
#   e2e/supervision.mjs  (phone) the inspector inspects that facility, records a finding with a photo and its
#                        rectification order; the operator answers; a re-inspection closes the order
#   e2e/indicators.mjs   the city admin recompiles this month, follows the job to the end, opens the dashboard
#                        and the drill-down behind 姑苏区's figure
# Only the staff accounts are created here; everything else comes through the pages. Background jobs run
# in-process (no broker). Screenshots land in e2e/screenshots/<journey>/ (git-ignored, kept by CI as artifacts).
# On a failure the server's log is printed and the script exits non-zero. E2E_JOURNEYS="filing supervision" runs
# some of them (supervision and indicators build on what filing creates).
set -euo pipefail
cd "$(dirname "$0")/.."
CHROMIUM=${CHROMIUM:-$(command -v chromium || true)}
if [ -z "$CHROMIUM" ]; then
  echo "e2e needs Chromium: apt-get install chromium fonts-noto-cjk chromium-l10n" >&2
  exit 1
fi
if [ ! -e /usr/lib/chromium/locales/zh-CN.pak ] && [ "$CHROMIUM" = /usr/bin/chromium ]; then
  echo "e2e: chromium-l10n is not installed: file pickers and date fields in the screenshots will be in English" >&2
fi
PY=.venv/bin/python
work=$(mktemp -d)
port=${E2E_PORT:-8765}
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
export DATABASE_URL="sqlite:///$work/e2e.sqlite3" DJANGO_READ_DOT_ENV=false CELERY_BROKER_URL=""
export DJANGO_SECRET_KEY="e2e-$($PY -c 'import secrets; print(secrets.token_urlsafe(40))')"
export MEDIA_ROOT="$work/media"
start=$SECONDS
$PY manage.py migrate -v0
E2E_STAFF_PASSWORD="E2e-$($PY -c 'import secrets; print(secrets.token_urlsafe(12))')"
export E2E_STAFF_PASSWORD
# The staff accounts, through `create_account` in one process (each start of Django costs seconds).
ACCOUNT_PASSWORD="$E2E_STAFF_PASSWORD" $PY manage.py shell -v0 -c '
from django.core.management import call_command
for args in (
    ["e2e_gusu_officer", "--role=district_officer", "--district=320508", "--name=姑苏区卫健委"],
    ["e2e_gusu_inspector", "--role=inspector", "--district=320508", "--name=姑苏区监督员"],
    ["e2e_city_admin", "--role=city_admin", "--name=市卫健委管理员"],
):
    call_command("create_account", *args, stdout=open("/dev/null", "w"))
'
$PY manage.py runserver "127.0.0.1:$port" --noreload >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 300); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$port/healthz" >/dev/null || { echo "e2e: the server did not start:" >&2; cat "$work/server.log" >&2; exit 1; }
echo "e2e: database and server ready in $((SECONDS - start)) s"

rm -f e2e/screenshots/*.png # left by the single-journey version of this script
export E2E_BASE_URL="http://127.0.0.1:$port" E2E_DATA="$($PY e2e/data.py)" CHROMIUM
for journey in ${E2E_JOURNEYS:-filing supervision indicators}; do
  began=$SECONDS
  node "e2e/$journey.mjs" || {
    echo "e2e: the $journey journey failed; screenshots so far in e2e/screenshots/$journey/. Server log:" >&2
    tail -60 "$work/server.log" >&2
    exit 1
  }
  echo "e2e: $journey took $((SECONDS - began)) s"
done
echo "e2e: all journeys passed in $((SECONDS - start)) s"
