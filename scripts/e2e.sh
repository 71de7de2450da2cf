#!/usr/bin/env bash
# The filing journey in a real browser (headless Chromium from Debian's `chromium` package):
# a throw-away SQLite database and server, then e2e/filing.mjs. Screenshots land in e2e/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."
CHROMIUM=${CHROMIUM:-$(command -v chromium || true)}
if [ -z "$CHROMIUM" ]; then
  echo "e2e needs Chromium: apt-get install chromium fonts-noto-cjk" >&2
  exit 1
fi
work=$(mktemp -d)
port=${E2E_PORT:-8765}
export DATABASE_URL="sqlite:///$work/e2e.sqlite3" DJANGO_READ_DOT_ENV=false CELERY_BROKER_URL=""
export DJANGO_SECRET_KEY="e2e-$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(40))')"
.venv/bin/python manage.py migrate -v0
E2E_OFFICER_PASSWORD="E2e-$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(12))')"
export E2E_OFFICER_PASSWORD
ACCOUNT_PASSWORD="$E2E_OFFICER_PASSWORD" .venv/bin/python manage.py create_account e2e_gusu_officer --role district_officer --district 320508 >/dev/null
.venv/bin/python manage.py runserver "127.0.0.1:$port" --noreload >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
rm -rf e2e/screenshots
E2E_BASE_URL="http://127.0.0.1:$port" E2E_DATA="$(.venv/bin/python e2e/data.py)" CHROMIUM="$CHROMIUM" node e2e/filing.mjs
