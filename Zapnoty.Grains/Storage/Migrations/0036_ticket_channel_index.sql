-- The ticket list filtered by channel (a report's drill-down, issue 20) walks newest first like
-- the other filters, through (project_id, channel, number DESC). The created-at range uses
-- tickets_project_created (0030).
-- no-transaction: CREATE INDEX CONCURRENTLY cannot run in a transaction; each statement is idempotent

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                WHERE NOT i.indisvalid AND c.relname = 'tickets_channel') THEN
        DROP INDEX tickets_channel;
    END IF;
END;
$$;

CREATE INDEX CONCURRENTLY IF NOT EXISTS tickets_channel ON tickets (project_id, channel, number DESC);
