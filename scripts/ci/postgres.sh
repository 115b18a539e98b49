#!/usr/bin/env bash
# Starts a throw-away PostgreSQL cluster in a temporary directory on a free port and exports
# HIVE_TEST_POSTGRES_URL. Sourced by .ci/run; the cluster stops when the calling shell exits.
PG_BIN="$(dirname "$(ls /usr/lib/postgresql/*/bin/pg_ctl | sort -V | tail -1)")"
PG_DIR="$(mktemp -d /tmp/hive-pg.XXXXXX)"
PG_PORT="${HIVE_TEST_PG_PORT:-55432}"
chown -R postgres "$PG_DIR" 2>/dev/null || true
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
as_pg "'$PG_BIN/initdb' -D '$PG_DIR/data' -U hive --auth=trust -E UTF8 >/dev/null"
as_pg "'$PG_BIN/pg_ctl' -D '$PG_DIR/data' -o \"-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1\" -l '$PG_DIR/log' -w start >/dev/null"
export HIVE_TEST_POSTGRES_URL="postgres://hive@127.0.0.1:$PG_PORT/postgres"
trap 'as_pg "\"$PG_BIN/pg_ctl\" -D \"$PG_DIR/data\" -m fast stop >/dev/null" || true' EXIT
echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on port $PG_PORT ($HIVE_TEST_POSTGRES_URL)"
