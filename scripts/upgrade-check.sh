#!/usr/bin/env bash
# The rolling-upgrade proof (docs/OPERATIONS.md "Rolling upgrade"): builds the silo of the
# previous release (the commit in scripts/previous-release, taken from this clone's history)
# and runs a mixed cluster over one PostgreSQL under load: the old silo first (it migrates the
# database as that release would), then a new silo joins (applying the new migrations while the
# old one serves), then the old silo is drained; every acknowledged request must be stored
# exactly once, ticket numbers gapless, no 5xx but 503 + Retry-After, and both versions must
# have served. The old build is kept in .data/previous-release/<commit> for the next run.
# Uses the PostgreSQL server of ConnectionStrings__Postgres (in a database of its own) if set,
# otherwise starts a throwaway one. scripts/test.sh runs it after the test suite.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/postgres.sh

command -v dotnet >/dev/null || { echo "The .NET SDK (dotnet) is required" >&2; exit 1; }
started=$SECONDS
commit=$(tr -d '[:space:]' < scripts/previous-release)
# A missing commit fails the check: skipping would let an untested upgrade look tested.
if ! git cat-file -e "$commit^{commit}" 2>/dev/null; then
  echo "upgrade check: the previous release $commit (scripts/previous-release) is not in this clone's history." >&2
  echo "  A shallow clone lacks it: run 'git fetch --unshallow' (or clone with full history) and retry." >&2
  exit 1
fi

old="$root/.data/previous-release/$commit"
if [ ! -f "$old/built" ]; then
  echo "Building the previous release ${commit:0:12} in $old..."
  rm -rf "$old"
  mkdir -p "$old"
  git archive "$commit" | tar -x -C "$old"
  # The old tree sits inside this checkout, and .editorconfig files apply from every folder
  # above: without a root of its own it would be built under today's analyzer rules.
  [ -f "$old/.editorconfig" ] || printf 'root = true\n' > "$old/.editorconfig"
  dotnet build "$old/Zapnoty.Silo/Zapnoty.Silo.csproj" -c Release -nologo -v quiet
  touch "$old/built"
fi
echo "Previous release ready after $(( SECONDS - started )) s"

pg_connection_or_throwaway upgrade

dotnet build Zapnoty.Silo/Zapnoty.Silo.csproj -c Release -nologo -v quiet
dotnet build bench/Zapnoty.Bench/Zapnoty.Bench.csproj -c Release -nologo -v quiet
status=0
dotnet bench/Zapnoty.Bench/bin/Release/net10.0/Zapnoty.Bench.dll upgrade "$ConnectionStrings__Postgres" "$root" "$old" "$commit" || status=$?
echo "upgrade check took $(( SECONDS - started )) s in all"
exit $status
