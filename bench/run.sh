#!/usr/bin/env bash
# Benchmarks against baselines measured in the same run on the same machine:
#   tickets  — ticket creation through the REST API vs the same SQL through Npgsql;
#   webhooks — ticket.* events delivered per second vs raw signed POSTs to the same receiver,
#              and what a webhook endpoint adds to an agent reply.
# Usage: bench/run.sh [workers] [seconds] [projects] [tickets|webhooks|all]   (defaults 32 15 50 all)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/postgres.sh
pg_ensure_installed

data=$(mktemp -d /tmp/zapnoty-bench-pg.XXXXXX)
port=$(pg_free_port)
pg_start "$data" "$port"   # fsync on: commits cost what they cost in production
trap 'pg_stop "$data"; rm -rf "$data"' EXIT
pg_create_database "$port" zapnoty
cs="Host=127.0.0.1;Port=$port;Username=postgres;Database=zapnoty;Maximum Pool Size=200"

dotnet build Zapnoty.Silo/Zapnoty.Silo.csproj -c Release -nologo -v quiet
dotnet build bench/Zapnoty.Bench/Zapnoty.Bench.csproj -c Release -nologo -v quiet
# The silo applies the migrations when it starts; the benchmark waits until it is ready.
dotnet bench/Zapnoty.Bench/bin/Release/net10.0/Zapnoty.Bench.dll "$cs" "$root/Zapnoty.Silo/bin/Release/net10.0/Zapnoty.Silo.dll" "$@"
