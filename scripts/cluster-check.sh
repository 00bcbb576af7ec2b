#!/usr/bin/env bash
# The multi-silo proof: 3 real silos started by scripts/cluster.sh under a steady load of ticket
# creations and replies; one is stopped gracefully, one killed, one added; then every
# acknowledged write must be in the database exactly once, ticket numbers gapless, SLA
# breaches and webhook deliveries still happening. Prints the measured figures.
# Uses the PostgreSQL server of ConnectionStrings__Postgres (in a database of its own) if set,
# otherwise starts a throwaway one. scripts/test.sh runs it after the test suite.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/postgres.sh

command -v dotnet >/dev/null || { echo "The .NET SDK (dotnet) is required" >&2; exit 1; }
pg_connection_or_throwaway cluster

dotnet build Zapnoty.Silo/Zapnoty.Silo.csproj -c Release -nologo -v quiet
dotnet build bench/Zapnoty.Bench/Zapnoty.Bench.csproj -c Release -nologo -v quiet
dotnet bench/Zapnoty.Bench/bin/Release/net10.0/Zapnoty.Bench.dll cluster "$ConnectionStrings__Postgres" "$root"
