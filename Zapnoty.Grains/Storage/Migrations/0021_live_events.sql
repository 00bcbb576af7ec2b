-- Live updates: every event of the outbox gets a per-project number (project_seq) in commit
-- order, without gaps, so a dashboard that reconnects with Last-Event-ID = n reads exactly the
-- events after n. The number is taken by a trigger from a per-project counter row whose lock is
-- held until the inserting transaction ends: the next transaction of the project waits for it,
-- so numbers are handed out in commit order, and a rolled-back transaction returns its numbers.
-- A trigger (rather than the application's INSERT) numbers the rows of every writer, including
-- a silo of the previous release during a rolling upgrade.

CREATE TABLE IF NOT EXISTS project_event_seqs (
    project_id  uuid PRIMARY KEY REFERENCES projects (id),
    last_seq    bigint NOT NULL
);

ALTER TABLE ticket_events ADD COLUMN IF NOT EXISTS project_seq bigint;

-- Events written before this migration are numbered in their global order.
WITH numbered AS (
    SELECT seq, row_number() OVER (PARTITION BY project_id ORDER BY seq) AS n FROM ticket_events WHERE project_seq IS NULL)
UPDATE ticket_events e SET project_seq = numbered.n FROM numbered WHERE e.seq = numbered.seq;

INSERT INTO project_event_seqs (project_id, last_seq)
SELECT project_id, max(project_seq) FROM ticket_events GROUP BY project_id
ON CONFLICT (project_id) DO UPDATE SET last_seq = greatest(project_event_seqs.last_seq, excluded.last_seq);

CREATE UNIQUE INDEX IF NOT EXISTS ticket_events_project_seq ON ticket_events (project_id, project_seq);

-- Lock order: the project row (KEY SHARE) before the counter row. The event's own foreign key
-- takes that KEY SHARE anyway, but only after the row is in, i.e. after this trigger has locked
-- the counter; a ticket creation of the previous release holds the project row FOR UPDATE and
-- then wants the counter: the two would deadlock. Taken first, every writer waits for the
-- project row before it holds the counter. (This release's creations lock FOR NO KEY UPDATE,
-- which KEY SHARE does not wait for.)
CREATE OR REPLACE FUNCTION ticket_events_number() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM projects WHERE id = NEW.project_id FOR KEY SHARE;
    INSERT INTO project_event_seqs AS s (project_id, last_seq) VALUES (NEW.project_id, 1)
    ON CONFLICT (project_id) DO UPDATE SET last_seq = s.last_seq + 1
    RETURNING s.last_seq INTO NEW.project_seq;
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS ticket_events_number ON ticket_events;
CREATE TRIGGER ticket_events_number BEFORE INSERT ON ticket_events FOR EACH ROW EXECUTE FUNCTION ticket_events_number();
