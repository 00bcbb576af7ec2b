-- The open tickets past a due time whose breach is not recorded yet (see 0031): the index holds
-- only open tickets without a standing breach, so a count of those past due reads the few whose
-- reminder has not ticked yet, not every overdue ticket. Replaces tickets_open_overdue_at, which
-- the previous release reads (it stays one release). As there, the columns the expression reads
-- and those the counts group by are included, so a count never visits the table.
-- no-transaction: CREATE INDEX CONCURRENTLY cannot run in a transaction; each statement is idempotent

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                WHERE NOT i.indisvalid AND c.relname = 'tickets_open_unrecorded_overdue_at') THEN
        DROP INDEX tickets_open_unrecorded_overdue_at;
    END IF;
END;
$$;

CREATE INDEX CONCURRENTLY IF NOT EXISTS tickets_open_unrecorded_overdue_at ON tickets
    (project_id, (LEAST(CASE WHEN first_reply_at IS NULL THEN first_reply_due_at END, resolve_due_at, next_reply_due_at)))
    INCLUDE (first_reply_at, first_reply_due_at, resolve_due_at, next_reply_due_at, status, assignee_id)
    WHERE closed_at IS NULL AND NOT ticket_breach_stands(closed_at, first_reply_at, first_reply_breached_at, resolve_breached_at, next_reply_breached_at);
