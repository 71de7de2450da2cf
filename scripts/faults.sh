#!/usr/bin/env bash
# Fault tests (tests/faults/, issue #11): a Celery worker killed with SIGKILL mid-compilation, Redis stopped,
# PostgreSQL restarted. They stop, kill and restart only PRIVATE instances started here — a PostgreSQL cluster
# on port 55432 and a Redis on port 56379 in a temporary directory — never the machine's shared services.
# Each test runs in its own pytest process; the time each took is printed; everything is torn down at the end.
#
#   scripts/faults.sh                     # all three
#   scripts/faults.sh test_redis_down.py  # one of them
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PG_BIN=${FAULT_PG_BIN:-/usr/lib/postgresql/15/bin}
PG_PORT=${FAULT_PG_PORT:-55432}
REDIS_PORT=${FAULT_REDIS_PORT:-56379}
TESTS=("$@")
[ ${#TESTS[@]} -gt 0 ] || TESTS=(test_worker_killed.py test_redis_down.py test_postgres_restart.py)

for port in "$PG_PORT" "$REDIS_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "faults: port $port is already taken; set FAULT_PG_PORT / FAULT_REDIS_PORT" >&2
    exit 2
  fi
done

WORK=$(mktemp -d /tmp/portal-faults.XXXXXX)
chmod 755 "$WORK"
PGDATA="$WORK/pgdata"
# initdb refuses to run as root: the cluster then belongs to the system's postgres user.
if [ "$(id -u)" = 0 ]; then
  AS_PG=(runuser -u postgres --)
  install -d -o postgres -m 700 "$PGDATA"
  chown postgres "$WORK"
else
  AS_PG=()
  install -d -m 700 "$PGDATA"
fi

since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

teardown() {
  echo "== teardown"
  # Only the instances started here, by their data directory and pid file.
  "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PGDATA" -m immediate -w stop >/dev/null 2>&1 || true
  if [ -f "$WORK/redis.pid" ]; then
    pid=$(cat "$WORK/redis.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$WORK"
}
trap teardown EXIT
trap 'exit 130' INT TERM

started=$EPOCHREALTIME
echo "== private PostgreSQL on port $PG_PORT and Redis on port $REDIS_PORT in $WORK"
"${AS_PG[@]}" "$PG_BIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$WORK/initdb.log" 2>&1 \
  || { cat "$WORK/initdb.log"; exit 1; }
# fsync off: a throw-away cluster; the tests restart it with a clean (fast) shutdown.
"${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$WORK/postgres.log" -w \
  -o "-p $PG_PORT -k $WORK -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=100" \
  start >/dev/null || { cat "$WORK/postgres.log"; exit 1; }
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
  --pidfile "$WORK/redis.pid" --logfile "$WORK/redis.log" --dir "$WORK"
for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
redis-cli -p "$REDIS_PORT" ping >/dev/null || { echo "faults: Redis did not start" >&2; exit 1; }

export FAULTS=1
export FAULT_WORK="$WORK" FAULT_PG_BIN="$PG_BIN" FAULT_PG_DATA="$PGDATA" FAULT_PG_PORT="$PG_PORT"
export FAULT_PG_OPTIONS="-p $PG_PORT -k $WORK -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
export FAULT_AS_PG="${AS_PG[*]}" FAULT_REDIS_PORT="$REDIS_PORT"
export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/portal_faults"
export CELERY_BROKER_URL="redis://127.0.0.1:$REDIS_PORT/0"
export DJANGO_READ_DOT_ENV=false
export DJANGO_SETTINGS_MODULE=tests.faults.settings
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
echo "services ready in $(since "$started") s"

failed=0
summary=()
first=1
for test in "${TESTS[@]}"; do
  echo
  echo "== tests/faults/$test"
  t0=$EPOCHREALTIME
  # The first run creates the test database (migrations); the others reuse it.
  reuse=(--reuse-db)
  [ $first = 1 ] && reuse=(--create-db)
  first=0
  .venv/bin/pytest "tests/faults/$test" -q -s -p no:cacheprovider --ds=tests.faults.settings "${reuse[@]}" \
    -o timeout=900
  rc=$?
  elapsed=$(since "$t0")
  status=passed
  if [ $rc -ne 0 ]; then status="FAILED (exit $rc)"; failed=1; fi
  summary+=("$(printf '%-28s %-18s %8s s' "$test" "$status" "$elapsed")")
done

echo
echo "== fault tests"
printf '%s\n' "${summary[@]}"
echo "total $(since "$started") s"
exit $failed
