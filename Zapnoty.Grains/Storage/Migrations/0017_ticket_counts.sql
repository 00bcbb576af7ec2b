-- Ticket counts without counting tickets (issue 17): the status tabs read maintained counters
-- and a partial index over open tickets, never a project's closed history.
--
-- ticket_counts holds signed deltas per (project, status, assignee): a trigger on tickets adds
-- rows in the transaction of every creation, status or assignee change and deletion, whoever
-- writes (a silo of this release, an older one during a rolling upgrade, SQL by hand). A count
-- is the sum of a project's rows. Writers only insert, so they never wait on each other's
-- counter rows nor deadlock over them; a reader folds a project's rows into one per key when
-- they pile up (TicketCountRows.Compact). Backward compatible: older silos never read the table
-- and their writes go through the trigger like everyone's.

CREATE TABLE IF NOT EXISTS ticket_counts (
    project_id   uuid NOT NULL,
    status       text NOT NULL,
    assignee_id  uuid,
    n            bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS ticket_counts_project ON ticket_counts (project_id);

-- Creations and deletions, one row per (project, status, assignee) a statement touched: a batch
-- of tickets created together, or a bulk load by SQL, adds a handful of rows, not one a ticket.
CREATE OR REPLACE FUNCTION ticket_counts_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ticket_counts (project_id, status, assignee_id, n)
    SELECT project_id, status, assignee_id, count(*) FROM inserted GROUP BY project_id, status, assignee_id;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION ticket_counts_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ticket_counts (project_id, status, assignee_id, n)
    SELECT project_id, status, assignee_id, -count(*) FROM deleted GROUP BY project_id, status, assignee_id;
    RETURN NULL;
END $$;

-- A change of status or assignee moves one ticket from one key to another (the WHEN clause of
-- the trigger skips every other update, such as a reply's).
CREATE OR REPLACE FUNCTION ticket_counts_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ticket_counts (project_id, status, assignee_id, n)
    VALUES (OLD.project_id, OLD.status, OLD.assignee_id, -1), (NEW.project_id, NEW.status, NEW.assignee_id, 1);
    RETURN NULL;
END $$;

-- Writers wait from here to the commit (SHARE ROW EXCLUSIVE conflicts with their ROW EXCLUSIVE),
-- and this waits for the writers in flight: the backfill below counts every committed ticket and
-- every later change goes through the triggers, so nothing is counted twice or missed. The wait
-- lasts as long as one GROUP BY over the table (about a second a million tickets).
LOCK TABLE tickets IN SHARE ROW EXCLUSIVE MODE;

CREATE OR REPLACE TRIGGER ticket_counts_inserted AFTER INSERT ON tickets
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION ticket_counts_inserted();
CREATE OR REPLACE TRIGGER ticket_counts_deleted AFTER DELETE ON tickets
    REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION ticket_counts_deleted();
CREATE OR REPLACE TRIGGER ticket_counts_moved AFTER UPDATE ON tickets FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.assignee_id IS DISTINCT FROM NEW.assignee_id
          OR OLD.project_id IS DISTINCT FROM NEW.project_id)
    EXECUTE FUNCTION ticket_counts_moved();

-- A recount, not an increment: running this file again gives the same rows.
DELETE FROM ticket_counts;
INSERT INTO ticket_counts (project_id, status, assignee_id, n)
SELECT project_id, status, assignee_id, count(*) FROM tickets GROUP BY project_id, status, assignee_id;

-- Overdue open tickets, counted within the index: the earlier of the first-reply deadline (while
-- unanswered) and the resolve deadline, over open tickets only. The columns the expression reads
-- and those the counts filter or group by are included so the count never visits the table.
CREATE INDEX IF NOT EXISTS tickets_open_overdue_at ON tickets
    (project_id, (LEAST(CASE WHEN first_reply_at IS NULL THEN first_reply_due_at END, resolve_due_at)))
    INCLUDE (first_reply_at, first_reply_due_at, resolve_due_at, status, assignee_id)
    WHERE closed_at IS NULL;
