#!/usr/bin/env bash
# API fuzzing (`make fuzz`): schemathesis against the OpenAPI schema at /api/schema/, as the city admin, on a
# throw-away database filled by `manage.py load_demo`. Fails on any 5xx, any response that breaks the schema
# and any status code the schema does not document.
#
# The database is a temporary SQLite file unless FUZZ_DATABASE_URL names another one (for example
# postgres://postgres@127.0.0.1:5432/portal_fuzz); that database is DROPPED and recreated. DATABASE_URL is
# deliberately not used: CI exports it for the test suite's own database.
#
# Deterministic: derandomized generation (no seed, no example database), one worker, one server process.
# The demo data are drawn relative to today, so they move with the date, not from run to run.
# Tuning: FUZZ_MAX_EXAMPLES (default 20 per operation), FUZZ_PHASES (default `examples,fuzzing`; add `coverage`
# for schemathesis' boundary-value phase: some 8,000 more requests, about 8 minutes), FUZZ_USER (whose token,
# default city_admin), FUZZ_PORT, FUZZ_TEMPLATE_DB (a migrated SQLite file to start from, for quick reruns),
# FUZZ_REPORT_DIR (keep a JUnit report there); extra arguments go to `schemathesis run`
# (e.g. `scripts/fuzz.sh --include-operation-id facilities_list`).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
work=$(mktemp -d)
port=${FUZZ_PORT:-8766}
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  if [ -n "${FUZZ_DATABASE_URL:-}" ]; then $PY scripts/ensure_database.py --drop || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

export DATABASE_URL="${FUZZ_DATABASE_URL:-sqlite:///$work/fuzz.sqlite3}"
export DJANGO_SETTINGS_MODULE=tests.fuzz.settings DJANGO_READ_DOT_ENV=false FUZZ_MEDIA_ROOT="$work/media"
# Tasks run in-process after their transaction commits, so the jobs the API starts are exercised too.
export CELERY_BROKER_URL=""
export DJANGO_SECRET_KEY="fuzz-$($PY -c 'import secrets; print(secrets.token_urlsafe(40))')"
export DEMO_PASSWORD="Fuzz-$($PY -c 'import secrets; print(secrets.token_urlsafe(12))')"
# The fuzzer sends thousands of requests from one address: the token endpoint's throttle and the login
# lockout would otherwise turn every later example into a 429 and test nothing.
export RATE_LIMIT_API_TOKEN="100000/minute" LOGIN_FAILURE_LIMIT=100000

t0=$(date +%s)
if [ -n "${FUZZ_DATABASE_URL:-}" ]; then
  $PY scripts/ensure_database.py --drop
  $PY scripts/ensure_database.py
fi
if [ -n "${FUZZ_TEMPLATE_DB:-}" ] && [ -z "${FUZZ_DATABASE_URL:-}" ]; then
  cp "$FUZZ_TEMPLATE_DB" "$work/fuzz.sqlite3"  # a database migrated earlier: quicker reruns while fixing
else
  $PY manage.py migrate -v0
fi
token=$($PY -m tests.fuzz.load_data)
echo "fuzz: database ready in $(($(date +%s) - t0))s ($(echo "$DATABASE_URL" | sed -E 's#//[^@/]*@#//#'))"

# One sync worker: requests are sequential anyway, and SQLite wants a single writer.
.venv/bin/gunicorn suzhou_childcare.wsgi:application --bind "127.0.0.1:$port" --workers 1 --timeout 120 \
  --access-logfile - --error-logfile - >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done

# Operations left out, each with its reason:
#   auth_tokens_destroy  revokes tokens by id: with the demo's few tokens it soon revokes the fuzzer's own,
#                        and every later request would be a 401 that tests nothing.
excluded=(--exclude-operation-id auth_tokens_destroy)
report=()
if [ -n "${FUZZ_REPORT_DIR:-}" ]; then report=(--report junit --report-dir "$FUZZ_REPORT_DIR"); fi

status=0
# From the run's folder, so Hypothesis' own cache files stay out of the checkout.
root=$PWD
(cd "$work" && "$root/.venv/bin/schemathesis" --config-file "$root/tests/fuzz/schemathesis.toml" \
  run "http://127.0.0.1:$port/api/schema/" \
  --header "Authorization: Token $token" \
  --checks not_a_server_error,response_schema_conformance,status_code_conformance \
  --phases "${FUZZ_PHASES:-examples,fuzzing}" \
  --max-examples "${FUZZ_MAX_EXAMPLES:-20}" \
  --generation-deterministic \
  --workers 1 \
  --request-timeout 60 \
  --no-color \
  "${excluded[@]}" "${report[@]}" "$@") || status=$?

if [ "$status" -ne 0 ]; then
  echo "--- server errors from the server log ---"
  grep -A 60 ' ERROR ' "$work/server.log" | tail -n 600 || true
fi
echo "fuzz: finished in $(($(date +%s) - t0))s, exit status $status"
exit "$status"
