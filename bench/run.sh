#!/usr/bin/env bash
# Benchmarks against baselines measured in the same run on the same machine:
#   tickets  — ticket creation through the REST API vs the same work in one SQL statement per ticket (SameWorkSql);
#   webhooks — ticket.* events delivered per second vs raw signed POSTs to the same receiver,
#              and what a webhook endpoint adds to an agent reply;
#   sla      — not part of "all" (about 12 minutes): many open tickets holding SLA reminders on one
#              silo (default 100,000): creation rate, silo memory, reminder table load time at a
#              restart and how late breaches are recorded, against the same silo without them;
#   sla-business — the same as sla with a business-hours calendar (UTC; today a one-minute break every
#              four minutes) and business-hours SLA policies (whole minutes) instead of the settings' hours.
#   sla-creation — not part of "all" (about 3 minutes): only what SLA targets cost ticket creation,
#              on many projects and on one hot project (targets in hours and in minutes).
#   long-tickets — not part of "all" (about a minute): a ticket with 20,000 messages vs one with 20
#              and one with 60, first and warm GET vs the same page in one query; [projects] is the number of rounds.
#   scale    — not part of "all" (about 10 minutes at 1,000,000): one project of [projects] tickets
#              (1,000,000 when not given) beside 1,000 projects of 1,000, loaded by SQL; the list with
#              each filter, counts, a deep page and searches at 4 and 32 clients vs the same statements
#              in-process ([workers] is unused; the clients are fixed; the last argument, when given, is
#              the number of other projects instead of 1,000). ZAPNOTY_BENCH_SCALE_CASES=q= measures only the
#              cases whose name holds that text (here the searches), ZAPNOTY_BENCH_SCALE_CLIENTS=4 only 4 clients.
#   live     — not part of "all" (about 2 minutes): two silos over one PostgreSQL; [workers] event streams
#              (dashboards) on silo B while customers' Telegram updates are posted to silo A's webhook,
#              [projects] per second for [seconds]: update → event read on B, p50/p95/p99/max and losses,
#              against A's acknowledgement plus a pg_notify hop. E.g. bench/run.sh 500 60 10 live
#   reports  — not part of "all" (about 15 minutes at 1,000,000): one project of [projects] tickets (1,000,000
#              when not given) over two years beside 1,000 projects of 1,000 (the last argument, when given,
#              instead), loaded by SQL; every report for 30 and 365 days at [workers] clients through the API vs
#              the same question as one plain SQL statement over the raw tickets (the baseline) and the rollup
#              reads in-process (the API's overhead), then the export of every ticket: COPY ... TO STDOUT (FORMAT
#              csv) vs the API's CSV and XLSX (rows/s, silo memory). ZAPNOTY_BENCH_QUIET_LOADING=0 as for scale.
#              E.g. bench/run.sh 4 10 1000000 reports
#   webhook-intake — not part of "all": Telegram updates POSTed to a bot's webhook at [workers] connections,
#              acknowledged/s and p50/p95/p99 vs one raw INSERT … ON CONFLICT DO NOTHING per update through
#              Npgsql; then every acknowledged update is counted stored and applied exactly once, in each
#              chat's order ([projects] is unused). E.g. bench/run.sh 16 15 1 webhook-intake
# Usage: bench/run.sh [workers] [seconds] [projects] [tickets|webhooks|all|sla|sla-business|sla-creation|long-tickets|scale|live|reports|webhook-intake] [sla tickets]   (defaults 32 15 50 all 100000)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/postgres.sh
pg_ensure_installed

# ZAPNOTY_BENCH_DATA keeps the database in that folder after the run, and a later run with the same
# folder starts from it (the scale scenario then goes on from the tickets already loaded).
data=${ZAPNOTY_BENCH_DATA:-$(mktemp -d /tmp/zapnoty-bench-pg.XXXXXX)}
port=$(pg_free_port)
# ZAPNOTY_BENCH_STATEMENTS=1: the server counts statements (pg_stat_statements) for the scenarios that print them.
if [ "${ZAPNOTY_BENCH_STATEMENTS:-}" = 1 ]; then export PG_SERVER_OPTIONS="-c shared_preload_libraries=pg_stat_statements"; fi
pg_start "$data" "$port"   # fsync on: commits cost what they cost in production
# A benchmark stopped in a quiet window must not leave other work waiting for it (see QuietWindow);
# a window another benchmark holds (its process alive) is not ours to remove.
quiet_release() {
  local holder
  holder=$(sed -n 's/^benchmark pid //p' "$1" 2>/dev/null || true)
  if [ -n "$holder" ] && ! kill -0 "$holder" 2>/dev/null; then rm -f "$1"; fi
}
trap 'pg_stop "$data"; [ -n "${ZAPNOTY_BENCH_DATA:-}" ] || rm -rf "$data"; [ -z "${ZAPNOTY_BENCH_QUIET_FILE:-}" ] || quiet_release "$ZAPNOTY_BENCH_QUIET_FILE"' EXIT
pg_create_database "$port" zapnoty
cs="Host=127.0.0.1;Port=$port;Username=postgres;Database=zapnoty;Maximum Pool Size=200"

dotnet build Zapnoty.Silo/Zapnoty.Silo.csproj -c Release -nologo -v quiet
dotnet build bench/Zapnoty.Bench/Zapnoty.Bench.csproj -c Release -nologo -v quiet
if [ "${4:-}" = sla ] || [ "${4:-}" = sla-business ]; then
  # dotnet-gcdump (live heap after a full GC, objects by type) and dotnet-counters (the GC's own
  # heap figures) look into the silo; without them the SLA run reports resident memory only.
  tools="$root/bench/.tools"
  for tool in dotnet-gcdump dotnet-counters; do
    [ -x "$tools/$tool" ] || dotnet tool install --tool-path "$tools" "$tool" >/dev/null \
      || echo "$tool not installed: its figures will read n/a" >&2
  done
  if [ -x "$tools/dotnet-gcdump" ]; then export ZAPNOTY_BENCH_DOTNET_GCDUMP="$tools/dotnet-gcdump"; fi
  if [ -x "$tools/dotnet-counters" ]; then export ZAPNOTY_BENCH_DOTNET_COUNTERS="$tools/dotnet-counters"; fi
fi
# The silo applies the migrations when it starts; the benchmark waits until it is ready.
dotnet bench/Zapnoty.Bench/bin/Release/net10.0/Zapnoty.Bench.dll "$cs" "$root/Zapnoty.Silo/bin/Release/net10.0/Zapnoty.Silo.dll" "$@"
