#!/usr/bin/env bash
# make bench, step 1: wrk, and a PostgreSQL database filled once with `flask bench-data`.
set -euo pipefail
cd "$(dirname "$0")/.."
url="${BENCH_DATABASE_URL:?}"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
name="${url##*/}"
server="${url%/*}"; server="${server#*://}"; host="${server#*@}"; host="${host%%:*}"
if ! psql -h "$host" -U postgres -d postgres -Atqc "SELECT 1 FROM pg_database WHERE datname='$name'" | grep -q 1; then
  psql -h "$host" -U postgres -d postgres -qc "CREATE DATABASE $name"
fi
export DATABASE_URL="$url" MADANG_ENV=development
.venv/bin/flask db upgrade
.venv/bin/flask seed
users=$(psql -h "$host" -U postgres -d "$name" -Atqc "SELECT count(*) FROM users WHERE email LIKE '%@bench.madang.invalid'")
if [ "$users" = "0" ]; then
  .venv/bin/flask bench-data
else
  echo "bench data already loaded ($users bench residents); \`flask bench-data --reset\` reloads it"
fi
