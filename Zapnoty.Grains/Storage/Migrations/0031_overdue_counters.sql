-- Overdue counts without walking overdue tickets (issue 17): at 1,000,000 tickets a project
-- may have 150,000 open ones past their targets, and counting them in the index of open tickets
-- by due time cost 120 ms a read. A ticket whose breach is recorded and still stands (the first
-- reply breached and not yet given, or the resolution breached while open) is now counted by the
-- counters (or a next reply breached and still unanswered, migration 0024): ticket_counts gains the key "breached", maintained by the same triggers in the
-- transaction of every change. Overdue = the counters' breached rows + the open tickets past a
-- due time whose breach is not recorded yet — the reminders and the sweeper record a breach
-- within a reminder period, so that second part is a handful of rows (index of migration 0032).
-- Backward compatible: the previous release never reads "breached" and writes through the triggers.

ALTER TABLE ticket_counts ADD COLUMN IF NOT EXISTS breached boolean NOT NULL DEFAULT false;

-- Whether a ticket's recorded breach still stands. The expression is repeated where PostgreSQL
-- needs it literally (the index predicate of 0032, TicketCountRows.Standing).
-- An agent's reply clears next_reply_breached_at with the cycle it belongs to.
CREATE OR REPLACE FUNCTION ticket_breach_stands(closed_at timestamptz, first_reply_at timestamptz,
                                                first_reply_breached_at timestamptz, resolve_breached_at timestamptz,
                                                next_reply_breached_at timestamptz)
    RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN closed_at IS NULL AND ((first_reply_at IS NULL AND first_reply_breached_at IS NOT NULL) OR resolve_breached_at IS NOT NULL
                                  OR next_reply_breached_at IS NOT NULL);

CREATE OR REPLACE FUNCTION ticket_counts_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ticket_counts (project_id, status, assignee_id, breached, n)
    SELECT project_id, status, assignee_id,
           ticket_breach_stands(closed_at, first_reply_at, first_reply_breached_at, resolve_breached_at, next_reply_breached_at), count(*)
      FROM inserted GROUP BY 1, 2, 3, 4;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION ticket_counts_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ticket_counts (project_id, status, assignee_id, breached, n)
    SELECT project_id, status, assignee_id,
           ticket_breach_stands(closed_at, first_reply_at, first_reply_breached_at, resolve_breached_at, next_reply_breached_at), -count(*)
      FROM deleted GROUP BY 1, 2, 3, 4;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION ticket_counts_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ticket_counts (project_id, status, assignee_id, breached, n)
    VALUES (OLD.project_id, OLD.status, OLD.assignee_id,
            ticket_breach_stands(OLD.closed_at, OLD.first_reply_at, OLD.first_reply_breached_at, OLD.resolve_breached_at, OLD.next_reply_breached_at), -1),
           (NEW.project_id, NEW.status, NEW.assignee_id,
            ticket_breach_stands(NEW.closed_at, NEW.first_reply_at, NEW.first_reply_breached_at, NEW.resolve_breached_at, NEW.next_reply_breached_at), 1);
    RETURN NULL;
END $$;

-- As in 0017: writers wait from here to the commit, the recount below sees every committed
-- ticket, and every later change goes through the new triggers.
LOCK TABLE tickets IN SHARE ROW EXCLUSIVE MODE;

CREATE OR REPLACE TRIGGER ticket_counts_moved AFTER UPDATE ON tickets FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.assignee_id IS DISTINCT FROM NEW.assignee_id
          OR OLD.project_id IS DISTINCT FROM NEW.project_id
          OR ticket_breach_stands(OLD.closed_at, OLD.first_reply_at, OLD.first_reply_breached_at, OLD.resolve_breached_at, OLD.next_reply_breached_at)
             IS DISTINCT FROM ticket_breach_stands(NEW.closed_at, NEW.first_reply_at, NEW.first_reply_breached_at, NEW.resolve_breached_at, NEW.next_reply_breached_at))
    EXECUTE FUNCTION ticket_counts_moved();

DELETE FROM ticket_counts;
INSERT INTO ticket_counts (project_id, status, assignee_id, breached, n)
SELECT project_id, status, assignee_id,
       ticket_breach_stands(closed_at, first_reply_at, first_reply_breached_at, resolve_breached_at, next_reply_breached_at), count(*)
  FROM tickets GROUP BY 1, 2, 3, 4;
