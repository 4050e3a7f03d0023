#!/usr/bin/env bash
# scripts/pg.sh start|stop DIR: a throwaway PostgreSQL on 127.0.0.1 for the test suite.
# `start` prints the DATABASE_URL on its last line. Runs initdb as the postgres user when we are root.
set -euo pipefail
cmd=${1:?usage: pg.sh start|stop DIR}
dir=${2:?usage: pg.sh start|stop DIR}
port=${PGPORT:-$(python3 -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")}
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$pgbin" ] || { echo "pg.sh: PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
data="$dir/pgdata"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "$cmd" in
start)
  rm -rf "$data"; mkdir -p "$data"
  chmod 755 "$dir"
  if [ "$(id -u)" = 0 ]; then chown postgres: "$data"; fi
  chmod 700 "$data"
  as_pg "$pgbin/initdb" -D "$data" -U postgres -A trust --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null
  as_pg "$pgbin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 30 start \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $data -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >/dev/null
  as_pg "$pgbin/createdb" -h 127.0.0.1 -p "$port" -U postgres hazeops_test
  echo "postgresql+psycopg://postgres@127.0.0.1:$port/hazeops_test" ;;
stop)
  if [ -d "$data" ]; then as_pg "$pgbin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true; rm -rf "$data"; fi ;;
*) echo "usage: pg.sh start|stop DIR" >&2; exit 2 ;;
esac
