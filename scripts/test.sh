#!/usr/bin/env bash
# Runs the whole test suite against a throwaway PostgreSQL on a free port.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/postgres.sh
source scripts/dashboard.sh

command -v dotnet >/dev/null || { echo "The .NET SDK (dotnet) is required" >&2; exit 1; }
pg_ensure_installed
chromium_ensure_installed
# The dashboard tests drive the built app; a missing dist/ fails them, never skips them.
dashboard_build "$root"

data=$(mktemp -d /tmp/zapnoty-test-pg.XXXXXX)
port=$(pg_free_port)
# Durability is not under test here, and fsync makes the suite several times slower.
PG_FSYNC=off pg_start "$data" "$port"
trap 'pg_stop "$data"; rm -rf "$data"' EXIT
echo "Test PostgreSQL on 127.0.0.1:$port"

export ZAPNOTY_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
results="$root/TestResults"
rm -rf "$results"

status=0
dotnet test Zapnoty.sln -c Release -nologo --logger "console;verbosity=normal" \
  --logger "trx;LogFileName=results.trx" --results-directory "$results" "$@" || status=$?

# One plain summary line for whoever reads only the end.
trx=$(find "$results" -name '*.trx' | head -n 1)
if [ -n "$trx" ]; then
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  passed=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  failed=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  total=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters")
  executed=$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters")
  echo "tests: ${passed:-0} passed, ${failed:-0} failed, $(( ${total:-0} - ${executed:-0} )) skipped"
fi
exit $status
