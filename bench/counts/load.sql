-- Loads :tickets tickets into each of two projects (default 1,000,000), by SQL, for the counts
-- measurement (docs/BENCHMARKS.md, "Ticket counts"): 93% closed history, the open rest new / in
-- progress / waiting, ten agents and every eleventh ticket unassigned, and a desk behind on its SLA
-- (nearly every open ticket past its resolve deadline: the overdue count's worst case).
-- Run on a migrated database: psql -v tickets=1000000 -f bench/counts/load.sql
\if :{?tickets} \else \set tickets 1000000 \endif
BEGIN;
INSERT INTO users (id, email, created_at)
SELECT ('00000000-0000-4000-8000-0000000000' || lpad(i::text, 2, '0'))::uuid, 'agent' || i || '@counts.bench', now()
  FROM generate_series(1, 10) i ON CONFLICT DO NOTHING;
INSERT INTO projects (id, name, slug, next_ticket_number, created_at, updated_at)
SELECT ('00000000-0000-4000-9000-00000000000' || p)::uuid, 'Counts ' || p, 'counts-bench-' || p, :tickets + 1, now(), now()
  FROM generate_series(1, 2) p;
INSERT INTO customers (id, project_id, channel, external_id, name, created_at)
SELECT gen_random_uuid(), ('00000000-0000-4000-9000-00000000000' || p)::uuid, 'api', 'c' || i, 'Customer ' || i, now()
  FROM generate_series(1, 2) p, generate_series(1, 100000) i;
INSERT INTO tickets (id, project_id, number, subject, status, priority, assignee_id, channel, customer_id,
                     created_at, updated_at, first_reply_at, closed_at, first_reply_due_at, resolve_due_at)
SELECT gen_random_uuid(), c.project_id, t.i, 'Ticket ' || t.i, s.status,
       (ARRAY['low', 'normal', 'normal', 'high', 'urgent'])[1 + t.i % 5],
       CASE WHEN t.i % 11 = 0 THEN NULL ELSE ('00000000-0000-4000-8000-0000000000' || lpad((1 + t.i % 10)::text, 2, '0'))::uuid END,
       'api', c.id, at, at,
       CASE WHEN s.status <> 'new' THEN at + interval '1 hour' END,
       CASE WHEN s.status = 'closed' THEN at + interval '1 day' END,
       at + interval '4 hours', at + interval '3 days'
  FROM generate_series(1, :tickets) t(i)
 CROSS JOIN generate_series(1, 2) p
 CROSS JOIN LATERAL (SELECT now() - (:tickets - t.i) * interval '1 minute' / 4 AS at) a
 CROSS JOIN LATERAL (SELECT CASE WHEN t.i % 100 < 93 THEN 'closed' WHEN t.i % 100 < 95 THEN 'new'
                                 WHEN t.i % 100 < 97 THEN 'in_progress' ELSE 'waiting' END AS status) s
  JOIN customers c ON c.project_id = ('00000000-0000-4000-9000-00000000000' || p.p)::uuid AND c.external_id = 'c' || (1 + t.i % 100000);
COMMIT;
VACUUM ANALYZE tickets;
VACUUM ANALYZE customers;
