#!/usr/bin/env bash
# The 100,000-twin sync target of issue 12, rerunnable: a fresh hub (SQLite, or a fresh database on
# the PostgreSQL cluster of scripts/ci/postgres.sh), N twins registered through the real API, then the
# timed open-loop phase of `hive loadtest` with the hub's per-second CPU and the machine's load beside it
# (scripts/cpu_sampler.py). Prints the load test's report; leaves everything under OUT.
#
# usage: scripts/scale.sh [--database sqlite|postgres] [--hive PATH] [--twins N] [--rate R]
#                         [--duration S] [--out DIR]
#   defaults: sqlite, .build/release/hive (built if missing), 100000 twins, 1667 req/s, 300 s,
#             a new /tmp/hive-scale.XXXXXX
#   --database postgres needs HIVE_TEST_POSTGRES_URL (source scripts/ci/postgres.sh in the same shell)
# Takes ≈ 2 minutes to register 100,000 twins (identities are cached in $HIVE_HOME/loadtest), ≈ 15 s to sign
# the pushes, then the timed phase. Run it on a quiet machine: the load generator shares the cores.
set -euo pipefail
cd "$(dirname "$0")/.."

DATABASE=sqlite; HIVE=""; TWINS=100000; RATE=1667; DURATION=300; OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --database) DATABASE="$2"; shift ;;
    --hive) HIVE="$2"; shift ;;
    --twins) TWINS="$2"; shift ;;
    --rate) RATE="$2"; shift ;;
    --duration) DURATION="$2"; shift ;;
    --out) OUT="$2"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
case "$DATABASE" in sqlite|postgres) ;; *) echo "--database must be sqlite or postgres" >&2; exit 2 ;; esac
if [ -z "$HIVE" ]; then
  [ -x .build/release/hive ] || swift build -c release --product hive
  HIVE=.build/release/hive
fi
[ -x "$HIVE" ] || { echo "no hive binary at $HIVE" >&2; exit 2; }
OUT="${OUT:-$(mktemp -d /tmp/hive-scale.XXXXXX)}"
mkdir -p "$OUT"

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
URL="http://127.0.0.1:$PORT"
HUB_PID=""; SAMPLER_PID=""; PG_DB=""
cleanup() {
  [ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null || true
  [ -n "$HUB_PID" ] && kill "$HUB_PID" 2>/dev/null || true
  [ -n "$HUB_PID" ] && wait "$HUB_PID" 2>/dev/null || true
  if [ -n "$PG_DB" ]; then psql "$HIVE_TEST_POSTGRES_URL" -q -c "DROP DATABASE IF EXISTS $PG_DB" >/dev/null 2>&1 || true; fi
  # The hub's data grows by gigabytes per run: keep only the reports.
  rm -rf "$OUT/hub"
}
trap cleanup EXIT

cat >"$OUT/hub.json" <<JSON
{"port": $PORT, "dataDirectory": "$OUT/hub", "rateLimitPerMinute": 1000000000, "aggregationIntervalMs": 0}
JSON
SERVE_ARGS=(serve --config "$OUT/hub.json" --log-level warning)
if [ "$DATABASE" = postgres ]; then
  : "${HIVE_TEST_POSTGRES_URL:?--database postgres needs HIVE_TEST_POSTGRES_URL (source scripts/ci/postgres.sh)}"
  PG_DB="hive_scale_$$"
  psql "$HIVE_TEST_POSTGRES_URL" -q -c "CREATE DATABASE $PG_DB" >/dev/null
  SERVE_ARGS+=(--database "${HIVE_TEST_POSTGRES_URL%/*}/$PG_DB")
fi

"$HIVE" "${SERVE_ARGS[@]}" >"$OUT/hub.log" 2>&1 &
HUB_PID=$!
ready() { python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$URL/readyz" 2>/dev/null; }
for _ in $(seq 1 150); do ready && break; sleep 0.2; done
ready || { echo "the hub did not become ready; see $OUT/hub.log" >&2; exit 1; }

echo "registering $TWINS twins at $URL ($DATABASE)…"
"$HIVE" loadtest --hub "$URL" --twins "$TWINS" --rate 100 --duration 2 --connections 64 >"$OUT/register.txt" 2>&1 \
  || { echo "registration failed; see $OUT/register.txt" >&2; exit 1; }

python3 scripts/cpu_sampler.py "$HUB_PID" "$OUT/cpu.txt" &
SAMPLER_PID=$!
echo "timed phase: $RATE req/s for $DURATION s (report in $OUT/loadtest.txt, per-second CPU in $OUT/cpu.txt)"
"$HIVE" loadtest --hub "$URL" --twins "$TWINS" --rate "$RATE" --duration "$DURATION" --connections 64 \
  --hub-pid "$HUB_PID" --json "$OUT/loadtest.json" >"$OUT/loadtest.txt" 2>&1 && STATUS=0 || STATUS=$?
kill "$SAMPLER_PID" 2>/dev/null || true
SAMPLER_PID=""
sed -n '/^target /,$p' "$OUT/loadtest.txt"
if [ "$DATABASE" = postgres ]; then
  psql "${HIVE_TEST_POSTGRES_URL%/*}/$PG_DB" -c \
    "SELECT relname, n_tup_upd, n_tup_hot_upd, autovacuum_count FROM pg_stat_user_tables WHERE relname IN ('twins', 'envelopes', 'ledger_entries') ORDER BY relname" \
    | tee "$OUT/pg_stat.txt"
fi
awk 'NR > 1 { hub += $2; load += $3; pg += $4; machine += $6; n++ }
     END { if (n) printf "mean CPU over %d s (from the load generator'"'"'s start, signing included) (%% of a core): hub %.0f, load generator %.0f, postgres %.0f; machine %.0f\n", n, hub / n, load / n, pg / n, machine / n }' \
  "$OUT/cpu.txt"
exit $STATUS
