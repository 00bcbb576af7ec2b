#!/usr/bin/env bash
# The counts request's SQL at the database, before (the GROUP BY over every ticket of the project)
# and after (counters + the open-overdue index; and a filtered count capped at 1,000), measured with
# pgbench: CLIENTS clients for SECONDS each, p50/p95/p99 in ms. Load the data first with
# bench/counts/load.sql. Usage: PGHOST=... PGPORT=... PGUSER=postgres bench/counts/measure.sh [CLIENTS] [SECONDS]
# (COUNTS_PROJECT=<id> measures another project than the first of load.sql)
set -euo pipefail
clients=${1:-4}
seconds=${2:-15}
pgbench=${PGBENCH:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)/pgbench}
project="'${COUNTS_PROJECT:-00000000-0000-4000-9000-000000000001}'"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

overdue="LEAST(CASE WHEN t.first_reply_at IS NULL THEN t.first_reply_due_at END, t.resolve_due_at) < now()"
old_overdue="((t.first_reply_at IS NULL AND t.closed_at IS NULL AND t.first_reply_due_at < now()) OR (t.closed_at IS NULL AND t.resolve_due_at < now()))"
cat >"$work/before.sql" <<SQL
SELECT t.status, count(*), count(*) FILTER (WHERE $old_overdue) FROM tickets t JOIN customers c ON c.id = t.customer_id WHERE t.project_id = $project GROUP BY t.status;
SQL
# What TicketList.Count sends under no filter (TicketCountRows.Read and OverduePerStatus).
cat >"$work/after.sql" <<SQL
SELECT status, assignee_id, sum(n)::bigint, count(*)::int FROM ticket_counts WHERE project_id = $project GROUP BY status, assignee_id;
SELECT t.status, count(*) FROM tickets t WHERE t.project_id = $project AND t.closed_at IS NULL AND $overdue GROUP BY t.status;
SQL
# Under assignee_id=<an agent>: the same counters, the overdue range filtered within the index.
cat >"$work/after-assignee.sql" <<SQL
SELECT status, assignee_id, sum(n)::bigint, count(*)::int FROM ticket_counts WHERE project_id = $project GROUP BY status, assignee_id;
SELECT t.status, count(*) FROM tickets t WHERE t.project_id = $project AND t.closed_at IS NULL AND $overdue AND t.assignee_id = '00000000-0000-4000-8000-000000000003' GROUP BY t.status;
SQL
# Under priority=urgent: each figure counted up to 1,001 (TicketList.CountCapped).
capped() { echo "SELECT $1, count(*) FROM (SELECT 1 FROM tickets t JOIN customers c ON c.id = t.customer_id WHERE t.project_id = $project AND t.priority = 'urgent' AND $2 LIMIT 1001) capped"; }
{
  echo "$(capped 0 "t.status = 'new'") UNION ALL $(capped 1 "t.status = 'in_progress'") UNION ALL $(capped 2 "t.status = 'waiting'") UNION ALL $(capped 3 "t.status = 'closed'") UNION ALL $(capped 4 "t.closed_at IS NULL AND $overdue");"
  echo "SELECT status, assignee_id, sum(n)::bigint, count(*)::int FROM ticket_counts WHERE project_id = $project GROUP BY status, assignee_id;"
} >"$work/after-filtered.sql"

for scenario in before after after-assignee after-filtered; do
  (cd "$work" && "$pgbench" -n -c "$clients" -j "$clients" -T "$seconds" -f "$scenario.sql" -l --log-prefix="log-$scenario" >"$scenario.out" 2>&1) || { cat "$work/$scenario.out"; exit 1; }
  cat "$work/log-$scenario".* | awk '{print $3 / 1000}' | sort -n | awk -v name="$scenario" -v s="$seconds" '
    { v[NR] = $1 } END { printf "%-15s %7d requests  %8.1f/s  p50 %8.2f ms  p95 %8.2f ms  p99 %8.2f ms\n",
      name, NR, NR / s, v[int(NR * 0.50) + 1], v[int(NR * 0.95) + 1], v[int(NR * 0.99) + 1] }'
done
