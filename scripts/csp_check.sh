#!/usr/bin/env bash
# The content-security policy in a real browser: production settings (policy enforced, static files collected and
# served by WhiteNoise, gunicorn), the demo data on a throw-away PostgreSQL database, then e2e/csp.mjs visits the
# main pages of every role in headless Chromium (Debian's `chromium`) and fails on any policy violation.
# The second factor is switched off for this run only (OTP_REQUIRED=false); its enforcement is tested in
# tests/security/. Screenshots land in e2e/screenshots/csp/.
set -euo pipefail
cd "$(dirname "$0")/.."
CHROMIUM=${CHROMIUM:-$(command -v chromium || true)}
if [ -z "$CHROMIUM" ]; then
  echo "csp-check needs Chromium: apt-get install chromium fonts-noto-cjk" >&2
  exit 1
fi
PY=.venv/bin/python
work=$(mktemp -d)
port=${CSP_PORT:-8767}
db=portal_csp_$$
export DJANGO_SETTINGS_MODULE=suzhou_childcare.settings.production
export DATABASE_URL="${CSP_DATABASE_SERVER:-postgres://postgres@127.0.0.1:5432}/$db"
export DJANGO_READ_DOT_ENV=false CELERY_BROKER_URL="" OTP_REQUIRED=false DJANGO_SECURE_SSL_REDIRECT=false
export DJANGO_ALLOWED_HOSTS=127.0.0.1 DJANGO_SECURE_HSTS_SECONDS=0
export DJANGO_SECRET_KEY="$($PY -c 'import secrets; print(secrets.token_urlsafe(50))')"
export FIELD_ENCRYPTION_KEYS="$($PY -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')"
export BLIND_INDEX_KEY="$($PY -c 'import secrets; print(secrets.token_urlsafe(32))')"
export STATIC_ROOT="$work/static"
DEMO_PASSWORD="Csp-$($PY -c 'import secrets; print(secrets.token_urlsafe(12))')"
export DEMO_PASSWORD
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  wait 2>/dev/null || true
  $PY scripts/ensure_database.py --drop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
$PY scripts/ensure_database.py
$PY manage.py migrate -v0
$PY manage.py collectstatic --noinput -v0
$PY manage.py load_demo >/dev/null
.venv/bin/gunicorn suzhou_childcare.wsgi --bind "127.0.0.1:$port" --workers 2 --access-logfile /dev/null \
  >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
rm -rf e2e/screenshots/csp
CSP_BASE_URL="http://127.0.0.1:$port" CSP_PASSWORD="$DEMO_PASSWORD" CHROMIUM="$CHROMIUM" node e2e/csp.mjs || {
  tail -50 "$work/server.log" >&2
  exit 1
}
