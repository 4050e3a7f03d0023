#!/usr/bin/env bash
# The whole suite twice: on a SQLite file, then on a throwaway PostgreSQL server this script starts.
# With CI=true a skipped browser or PostgreSQL test fails the run (tests/conftest.py).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

# Chromium leaves profile folders in TMPDIR and writes ~/.cache: keep all of it in one scratch folder.
scratch="$PWD/.scratch"
rm -rf "$scratch"; mkdir -p "$scratch/tmp"
export TMPDIR="$scratch/tmp" XDG_CACHE_HOME="$scratch/cache" XDG_CONFIG_HOME="$scratch/config"
unset DATABASE_URL HAZEOPS_DEMO URL_PREFIX SECRET_KEY SECRET_KEY_FILE

pgdir="$scratch/pg"
mkdir -p "$pgdir"
cleanup() { bash scripts/pg.sh stop "$pgdir" || true; }
trap cleanup EXIT

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

# Both passes always run, so one report shows what fails where; the script fails if either does.
status=0
echo "== pytest on SQLite"
"$PY" -m pytest "$@" || status=1

echo "== pytest on PostgreSQL"
url=$(bash scripts/pg.sh start "$pgdir" | tail -1)
HAZEOPS_TEST_DATABASE_URL="$url" "$PY" -m pytest -m "not sqlite_only" "$@" || status=1
exit $status
