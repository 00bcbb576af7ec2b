#!/usr/bin/env bash
# Runs the whole test suite against a throwaway PostgreSQL on a free port. A full run (no
# arguments such as --filter) then checks the container files (scripts/check-containers.sh),
# that every status the API answered is in its OpenAPI document (scripts/status-coverage.sh)
# and, unless ZAPNOTY_CLUSTER_CHECK=0, runs the multi-silo check of scripts/cluster-check.sh:
# real silo processes, stopped, killed and added under load; then, unless ZAPNOTY_UPGRADE_CHECK=0,
# the rolling-upgrade check of scripts/upgrade-check.sh: the previous release and this tree in
# one cluster under load.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/postgres.sh
source scripts/dashboard.sh

command -v dotnet >/dev/null || { echo "The .NET SDK (dotnet) is required" >&2; exit 1; }
pg_ensure_installed
chromium_ensure_installed
# The webhook guide's Python check runs in the tests (WebhookGuideTests); Node.js comes with the dashboard.
command -v python3 >/dev/null || { echo "Python 3 is not installed; installing it with apt-get..." >&2; apt_install python3; }
# The S3 file store is tested against s3rver (an S3-compatible server on loopback, pinned),
# installed once into .tools/; a missing server fails S3FileStoreTests, never skips them.
s3rver_version=3.7.1
if [ ! -f "$root/.tools/s3rver/node_modules/s3rver/package.json" ] \
   || ! grep -q "\"version\": \"$s3rver_version\"" "$root/.tools/s3rver/node_modules/s3rver/package.json"; then
  echo "Installing s3rver $s3rver_version for the S3 tests..." >&2
  npm install --prefix "$root/.tools/s3rver" --no-save --no-audit --no-fund "s3rver@$s3rver_version" >&2
fi
export ZAPNOTY_TEST_S3RVER="$root/.tools/s3rver/node_modules/s3rver/bin/s3rver.js"
# The dashboard tests drive the built app; a missing dist/ fails them, never skips them.
dashboard_build "$root"

# Test classes run in parallel, each with its own cluster and connection pools (and killed
# in-process silos keep theirs until the class ends): on a loaded machine more of them overlap
# than the 300 connections a product server gets.
PG_SERVER_OPTIONS="${PG_SERVER_OPTIONS:-} -c max_connections=800" pg_start_throwaway test
port=$PG_THROWAWAY_PORT
echo "Test PostgreSQL on 127.0.0.1:$port"

export ZAPNOTY_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
results="$root/TestResults"
rm -rf "$results"
# The test silos record every (method, route, status) they answer, for the status coverage check.
export ZAPNOTY_STATUS_LOG="$results/status-codes.tsv"

status=0
dotnet test Zapnoty.sln -c Release -nologo --logger "console;verbosity=normal" \
  --logger "trx;LogFileName=results.trx" --results-directory "$results" "$@" || status=$?

summary=()
if [ $# -eq 0 ]; then
  if scripts/check-containers.sh; then summary+=("containers: ok")
  else summary+=("containers: FAILED (scripts/check-containers.sh: the container files need fixing)"); status=1; fi

  # Only after the whole suite: a filtered run answers too little to judge the document by.
  if scripts/status-coverage.sh "$ZAPNOTY_STATUS_LOG" "$results/openapi.served.json"; then summary+=("status coverage: ok")
  else summary+=("status coverage: FAILED (statuses the API answered that the OpenAPI document does not declare; listed above)"); status=1; fi

  if [ "${ZAPNOTY_CLUSTER_CHECK:-1}" != 0 ]; then
    pg_create_database "$port" zapnoty_cluster
    if ConnectionStrings__Postgres="Host=127.0.0.1;Port=$port;Username=postgres;Database=zapnoty_cluster" \
      scripts/cluster-check.sh; then summary+=("cluster check: passed")
    else summary+=("cluster check: FAILED"); status=1; fi
  fi

  if [ "${ZAPNOTY_UPGRADE_CHECK:-1}" != 0 ]; then
    pg_create_database "$port" zapnoty_upgrade
    if ConnectionStrings__Postgres="Host=127.0.0.1;Port=$port;Username=postgres;Database=zapnoty_upgrade" \
      scripts/upgrade-check.sh; then summary+=("upgrade check: passed")
    else summary+=("upgrade check: FAILED"); status=1; fi
  fi
fi

# Plain summary lines for whoever reads only the end.
trx=$(find "$results" -name '*.trx' | head -n 1)
if [ -n "$trx" ]; then
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  passed=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  failed=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  total=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters")
  executed=$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters")
  echo "tests: ${passed:-0} passed, ${failed:-0} failed, $(( ${total:-0} - ${executed:-0} )) skipped"
fi
for line in "${summary[@]}"; do echo "$line"; done
exit $status
