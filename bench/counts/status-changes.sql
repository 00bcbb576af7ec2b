-- Status changes of different open tickets of one project in 5 ms transactions (a write and its
-- commit round trip), for the counters' contention measurement in docs/BENCHMARKS.md ("Ticket counts").
\set i random(0, 9999)
BEGIN;
UPDATE tickets SET status = CASE WHEN status = 'waiting' THEN 'in_progress' ELSE 'waiting' END WHERE project_id = '00000000-0000-4000-9000-000000000002' AND number = :i * 100 + 95;
SELECT pg_sleep(0.005);
COMMIT;
