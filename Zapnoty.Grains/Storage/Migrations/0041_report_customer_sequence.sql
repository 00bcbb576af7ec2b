-- Reports (issue 20): tickets per customer without enumerating the range's customers.
--
-- A customer with k tickets in a range [s, e) has max(0, k - m) tickets there whose m-th next
-- ticket (same project and customer, ordered by created_at then number) is in the range too. So
-- with A(m) = tickets in the range whose m-th next ticket is in the range (A(0) = tickets created),
-- the customers with at least j tickets are A(j - 1) - A(j): buckets 1, 2, 3-5 and 6+ need
-- m = 1, 2, 3, 5, 6. A(m) = L(m) - S(m), where L(m) counts the range's tickets that have an m-th
-- next ticket at all (a fact of the ticket at its creation hour, summed from the rollups like any
-- other: metric customer_later_<m>) and S(m) those whose m-th next ticket is created at or after e
-- (read from the tickets after e: none for a range that ends today, see CustomerReport).
--
-- Whether a ticket has an m-th next ticket (m <= 6) changes only for a customer's last six
-- tickets: a statement trigger adds the full facts of inserted tickets, takes off those of
-- deleted ones, and corrects the customer's last six before and after the statement (ranks 0-5
-- miss the facts m > rank). A customer's tickets change under a lock of the customer row, so two
-- transactions adding tickets of one customer see each other's. report_customer_tickets counts a
-- customer's tickets in all time, for the top customers (CustomerReport walks them most first).

CREATE INDEX IF NOT EXISTS tickets_project_customer_created ON tickets (project_id, customer_id, created_at, number);

CREATE TABLE IF NOT EXISTS report_customer_tickets (
    project_id  uuid NOT NULL,
    customer_id uuid NOT NULL,
    tickets     bigint NOT NULL,
    PRIMARY KEY (project_id, customer_id)
);
CREATE INDEX IF NOT EXISTS report_customer_tickets_most ON report_customer_tickets (project_id, tickets DESC, customer_id);

-- The customer facts a ticket lacks when it has only `later` next tickets (later >= 6: none).
CREATE OR REPLACE FUNCTION report_customer_missing(later bigint) RETURNS SETOF text LANGUAGE sql IMMUTABLE AS $$
    SELECT 'customer_later_' || m FROM unnest('{1,2,3,5,6}'::int[]) m WHERE m > later
$$;

-- A ticket that entered (sign 1) or left (sign -1) a customer's sequence.
DO $$ BEGIN
    CREATE TYPE report_customer_change AS (sign int, id uuid, project_id uuid, customer_id uuid, created_at timestamptz, number bigint);
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;

-- Adds the rollup rows and the customers' ticket counts of a statement's changes.
CREATE OR REPLACE FUNCTION report_customer_fold(changes report_customer_change[]) RETURNS void LANGUAGE sql AS $$
    WITH d AS MATERIALIZED (SELECT * FROM unnest(changes)),
    k AS MATERIALIZED (
        SELECT project_id, customer_id, count(*) FILTER (WHERE sign > 0) AS added, sum(sign) AS delta
          FROM d GROUP BY 1, 2),
    -- The customer's last tickets now, enough of them to hold its last six before the statement too.
    now_last AS MATERIALIZED (
        SELECT k.project_id, k.customer_id, t.id, t.created_at, t.number
          FROM k CROSS JOIN LATERAL (
                SELECT t.id, t.created_at, t.number FROM tickets t
                 WHERE t.project_id = k.project_id AND t.customer_id = k.customer_id
                 ORDER BY t.created_at DESC, t.number DESC LIMIT 6 + k.added) t),
    after_ranked AS (
        SELECT project_id, created_at, row_number() OVER (PARTITION BY project_id, customer_id ORDER BY created_at DESC, number DESC) - 1 AS later
          FROM now_last),
    before_ranked AS (
        SELECT project_id, created_at, row_number() OVER (PARTITION BY project_id, customer_id ORDER BY created_at DESC, number DESC) - 1 AS later
          FROM (SELECT l.project_id, l.customer_id, l.created_at, l.number FROM now_last l
                 WHERE NOT EXISTS (SELECT 1 FROM d WHERE d.sign > 0 AND d.id = l.id)
                UNION ALL
                SELECT d.project_id, d.customer_id, d.created_at, d.number FROM d WHERE d.sign < 0) b),
    facts AS (
        -- Full facts of the tickets added and removed ...
        SELECT d.project_id, report_hour(d.created_at) AS hour, f.metric, d.sign AS n
          FROM d CROSS JOIN LATERAL report_customer_missing(-1) f (metric)
        UNION ALL
        -- ... less what the last six lack now, plus what they lacked before.
        SELECT a.project_id, report_hour(a.created_at), f.metric, -1
          FROM after_ranked a CROSS JOIN LATERAL report_customer_missing(a.later) f (metric) WHERE a.later < 6
        UNION ALL
        SELECT b.project_id, report_hour(b.created_at), f.metric, 1
          FROM before_ranked b CROSS JOIN LATERAL report_customer_missing(b.later) f (metric) WHERE b.later < 6),
    rollups AS (
        INSERT INTO report_rollups (project_id, hour, metric, dim, value, bucket, n, seconds)
        SELECT project_id, hour, metric, '', '', -1, sum(n), 0 FROM facts GROUP BY 1, 2, 3 HAVING sum(n) <> 0)
    INSERT INTO report_customer_tickets (project_id, customer_id, tickets)
    SELECT project_id, customer_id, delta FROM k WHERE delta <> 0
    ON CONFLICT (project_id, customer_id) DO UPDATE SET tickets = report_customer_tickets.tickets + EXCLUDED.tickets
$$;

CREATE OR REPLACE FUNCTION report_customers_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changes report_customer_change[];
BEGIN
    -- All rows of an insert or delete; of an update only those that moved in a customer's sequence.
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(ROW(1, n.id, n.project_id, n.customer_id, n.created_at, n.number)::report_customer_change) INTO changes FROM new_rows n;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(ROW(-1, o.id, o.project_id, o.customer_id, o.created_at, o.number)::report_customer_change) INTO changes FROM old_rows o;
    ELSE
        SELECT array_agg(x.c) INTO changes
          FROM old_rows o JOIN new_rows n ON n.id = o.id,
               LATERAL (VALUES (ROW(-1, o.id, o.project_id, o.customer_id, o.created_at, o.number)::report_customer_change),
                               (ROW(1, n.id, n.project_id, n.customer_id, n.created_at, n.number)::report_customer_change)) x (c)
         WHERE (o.project_id, o.customer_id, o.created_at, o.number) IS DISTINCT FROM (n.project_id, n.customer_id, n.created_at, n.number);
    END IF;
    IF changes IS NULL THEN RETURN NULL; END IF;
    -- Serialises writers of one customer's tickets: the next statement sees what committed before it.
    PERFORM 1 FROM customers WHERE id IN (SELECT (c).customer_id FROM unnest(changes) c) ORDER BY id FOR NO KEY UPDATE;
    PERFORM report_customer_fold(changes);
    RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER report_customers_inserted AFTER INSERT ON tickets
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_customers_changed();
CREATE OR REPLACE TRIGGER report_customers_updated AFTER UPDATE ON tickets
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_customers_changed();
CREATE OR REPLACE TRIGGER report_customers_deleted AFTER DELETE ON tickets
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION report_customers_changed();

-- The customer facts of a project's tickets from the raw rows (the backfill below and the tests' recount).
CREATE OR REPLACE FUNCTION report_customer_recount(project uuid)
RETURNS TABLE (hour timestamptz, metric text, n bigint) LANGUAGE sql STABLE AS $$
    SELECT report_hour(t.created_at), 'customer_later_' || m.m, count(*)
      FROM (SELECT created_at, count(*) OVER (PARTITION BY customer_id ORDER BY created_at DESC, number DESC
                                              ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS later
              FROM tickets WHERE project_id = project) t
      JOIN unnest('{1,2,3,5,6}'::int[]) m (m) ON m.m <= t.later
     GROUP BY 1, 2
$$;

-- As in 0033, with the customer facts (dimension '' only: they are counts of the whole project).
CREATE OR REPLACE FUNCTION report_recount(project uuid)
RETURNS TABLE (hour timestamptz, metric text, dim text, value text, bucket smallint, n bigint, seconds bigint)
LANGUAGE sql STABLE AS $$
    SELECT f.hour, f.metric, d.dim, d.value, report_bucket(f.seconds), count(*), sum(coalesce(f.seconds, 0))::bigint
      FROM tickets t
     CROSS JOIN LATERAL report_all_facts(t.id, t.created_at, t.status, t.closed_at, t.assignee_id, t.first_reply_at, t.first_reply_due_at,
                                         t.first_reply_breached_at, t.resolve_due_at, t.resolve_breached_at, t.first_reply_business_seconds,
                                         t.resolution_business_seconds, t.csat_requested_at, t.csat_score, t.csat_comment, t.csat_at) f
     CROSS JOIN LATERAL report_dims(t.id, t.channel, t.type_id, t.priority, f.agent, NULL) d
     WHERE t.project_id = project
     GROUP BY 1, 2, 3, 4, 5
    UNION ALL
    SELECT c.hour, c.metric, '', '', -1::smallint, c.n, 0::bigint FROM report_customer_recount(project) c
$$;

-- Writers wait from here to the commit, so the backfill misses nothing; running this file again
-- takes off the facts it added before (a recount, not an increment).
LOCK TABLE tickets IN SHARE ROW EXCLUSIVE MODE;
DELETE FROM report_customer_tickets;
INSERT INTO report_customer_tickets (project_id, customer_id, tickets)
SELECT project_id, customer_id, count(*) FROM tickets GROUP BY 1, 2;
INSERT INTO report_rollups (project_id, hour, metric, dim, value, bucket, n, seconds)
SELECT r.project_id, r.hour, r.metric, '', '', -1, -sum(r.n), -sum(r.seconds)
  FROM report_rollups r WHERE r.metric LIKE 'customer\_later\_%' GROUP BY 1, 2, 3 HAVING sum(r.n) <> 0;
INSERT INTO report_rollups (project_id, hour, metric, dim, value, bucket, n, seconds)
SELECT t.project_id, report_hour(t.created_at), 'customer_later_' || m.m, '', '', -1, count(*), 0
  FROM (SELECT project_id, created_at, count(*) OVER (PARTITION BY project_id, customer_id ORDER BY created_at DESC, number DESC
                                                      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS later
          FROM tickets) t
  JOIN unnest('{1,2,3,5,6}'::int[]) m (m) ON m.m <= t.later
 GROUP BY 1, 2, 3;
