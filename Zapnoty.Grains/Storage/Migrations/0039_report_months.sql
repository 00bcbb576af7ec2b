-- Reports over a year of a busy project (issue 20): a monthly level above report_days, an index
-- of the unfolded rows a read adds to the folded sums, and one for the busiest-hours heat map,
-- which reads three counts and no durations.
-- no-transaction: the backfill commits a project at a time, the index is built CONCURRENTLY; each statement is idempotent
--
-- report_months holds the sums of report_days per UTC month, with the same keys (duration buckets
-- included, so a median or p90 reads from a month's bucket counts as from a day's). A trigger on
-- report_days keeps it in the transaction of every change to a day row, whoever makes it (the fold
-- of a silo of this release or of the previous one, a migration's recount), so a month row is
-- always the sum of its day rows. A range's totals read whole UTC months here, the UTC days at the
-- range's ragged ends from report_days and the hours at its two ends from report_rollups: a
-- month/day boundary inside the range is a sum of whole hours whatever the report's zone, and the
-- range's own ends are the local midnights (see ReportStore.SumsSql).
--
-- Touches no ticket: the backfill reads report_days only, a project per transaction, holding that
-- project's fold lock (the fold's advisory lock, migration 0030's key 30) so no fold of that
-- project lands between its delete and its insert. Folds of a project already copied (or not yet)
-- go through the trigger, which is in place before the first copy.

CREATE TABLE IF NOT EXISTS report_months (
    project_id  uuid NOT NULL,
    month       date NOT NULL,                   -- the first day of the UTC month
    metric      text NOT NULL,
    dim         text NOT NULL,
    value       text NOT NULL,
    bucket      smallint NOT NULL,
    n           bigint NOT NULL,
    seconds     bigint NOT NULL,
    PRIMARY KEY (project_id, dim, month, metric, value, bucket)
);

-- Statement-level, so a fold's chunk is one upsert per statement, grouped per month: a key appears
-- once in it (ON CONFLICT cannot touch a row twice in one statement).
CREATE OR REPLACE FUNCTION report_days_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO report_months (project_id, month, metric, dim, value, bucket, n, seconds)
        SELECT project_id, date_trunc('month', day)::date, metric, dim, value, bucket, sum(n), sum(seconds)
          FROM new_rows GROUP BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (project_id, dim, month, metric, value, bucket)
        DO UPDATE SET n = report_months.n + EXCLUDED.n, seconds = report_months.seconds + EXCLUDED.seconds;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO report_months (project_id, month, metric, dim, value, bucket, n, seconds)
        SELECT project_id, date_trunc('month', day)::date, metric, dim, value, bucket, sum(n), sum(seconds)
          FROM (SELECT project_id, day, metric, dim, value, bucket, n, seconds FROM new_rows
                UNION ALL
                SELECT project_id, day, metric, dim, value, bucket, -n, -seconds FROM old_rows) d
         GROUP BY 1, 2, 3, 4, 5, 6
        HAVING sum(n) <> 0 OR sum(seconds) <> 0
        ON CONFLICT (project_id, dim, month, metric, value, bucket)
        DO UPDATE SET n = report_months.n + EXCLUDED.n, seconds = report_months.seconds + EXCLUDED.seconds;
    ELSE
        INSERT INTO report_months (project_id, month, metric, dim, value, bucket, n, seconds)
        SELECT project_id, date_trunc('month', day)::date, metric, dim, value, bucket, -sum(n), -sum(seconds)
          FROM old_rows GROUP BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (project_id, dim, month, metric, value, bucket)
        DO UPDATE SET n = report_months.n + EXCLUDED.n, seconds = report_months.seconds + EXCLUDED.seconds;
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER report_days_inserted AFTER INSERT ON report_days
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_days_changed();
CREATE OR REPLACE TRIGGER report_days_updated AFTER UPDATE ON report_days
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_days_changed();
CREATE OR REPLACE TRIGGER report_days_deleted AFTER DELETE ON report_days
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION report_days_changed();

-- A recount per project, not an increment: running this again gives the same rows.
DO $$
DECLARE
    p uuid;
BEGIN
    FOR p IN SELECT DISTINCT project_id FROM report_days LOOP
        PERFORM pg_advisory_xact_lock(30, hashtext(p::text));
        DELETE FROM report_months WHERE project_id = p;
        INSERT INTO report_months (project_id, month, metric, dim, value, bucket, n, seconds)
        SELECT project_id, date_trunc('month', day)::date, metric, dim, value, bucket, sum(n), sum(seconds)
          FROM report_days WHERE project_id = p
         GROUP BY 1, 2, 3, 4, 5, 6
        HAVING sum(n) <> 0 OR sum(seconds) <> 0;
        COMMIT;
    END LOOP;
END $$;

-- A build interrupted half-way leaves an invalid index that IF NOT EXISTS would keep: drop it first.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                WHERE NOT i.indisvalid AND c.relname = 'report_rollups_hour_counts') THEN
        DROP INDEX report_rollups_hour_counts;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                WHERE NOT i.indisvalid AND c.relname = 'report_rollups_unfolded_read') THEN
        DROP INDEX report_rollups_unfolded_read;
    END IF;
END;
$$;

-- The heat map (ReportGrouping.Hour) reads created tickets, customer messages and replies per
-- hour: three rows an hour of the total, instead of every metric and duration bucket of it.
CREATE INDEX CONCURRENTLY IF NOT EXISTS report_rollups_hour_counts ON report_rollups (project_id, hour) INCLUDE (metric, n)
    WHERE dim = '' AND metric IN ('created', 'customer_message', 'reply');

-- A read adds the range's unfolded rows (a few hundred) to the folded sums. Through
-- report_rollups_read (no "folded" in it) that filter visited every hour row of the range in the
-- table: 154,000 rows for four months of the benchmark's agents, 97% of the read's time.
CREATE INDEX CONCURRENTLY IF NOT EXISTS report_rollups_unfolded_read ON report_rollups (project_id, dim, hour)
    INCLUDE (metric, value, bucket, n, seconds) WHERE NOT folded;
