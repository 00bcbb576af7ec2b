-- Reports (issue 20): rollups of what happened per project and UTC hour, maintained by triggers in
-- the transaction of every change, whoever writes (a silo of any release, SQL by hand), so a
-- report sums a few thousand rows instead of scanning a project's tickets.
--
-- The rollups are a function of the current rows: every "fact" (a ticket created, closed, first
-- answered; a reply, note or customer message; a reopening or assignment in the history; a
-- credit spent on a reply) is derived from one row, counted in the UTC hour it happened, once in
-- total (dim '') and once under each of the ticket's CURRENT dimensions: channel, type,
-- priority, each tag, and the agent the fact belongs to. A trigger adds the difference a change
-- makes to that function (minus the facts before, plus the facts after), so the rollups equal a
-- recount from the raw tables at every commit (report_recount; tests compare the two).
--
-- Rows are signed deltas that writers only insert (never update), so writers never wait on each
-- other's rollup rows nor deadlock over them; ReportRollupFold folds a project's unfolded rows
-- into one folded row per key. Times are sums of seconds plus a count per log-spaced bucket of
-- 2^(1/4) (bucket 0 is under a minute, bucket k >= 1 starts at 60 * 2^((k-1)/4) seconds), so a
-- median or p90 is read from the rollups within about 9%.
--
-- Hours are UTC hours: a report assembles the days of the project's time zone from them when it
-- reads, which is exact for every zone at a whole-hour offset (and across DST changes), and stays
-- right when the project's zone changes. For a zone at a half- or quarter-hour offset an hour is
-- counted in the local day and hour it starts in (documented in DESIGN.md, "Reports").
--
-- Additive only: a silo of the previous release never reads these tables, and its writes go
-- through the triggers like everyone's.

CREATE TABLE IF NOT EXISTS report_rollups (
    project_id  uuid NOT NULL,
    hour        timestamptz NOT NULL,            -- the UTC hour the fact happened in
    metric      text NOT NULL,
    dim         text NOT NULL,                   -- '' (the total), channel, type, priority, tag, agent
    value       text NOT NULL,                   -- the dimension's value ('' for the total, or no type)
    bucket      smallint NOT NULL,               -- log bucket of the seconds, -1 for facts without a duration
    n           bigint NOT NULL,
    seconds     bigint NOT NULL,
    folded      boolean NOT NULL DEFAULT false
);
-- Reads take one dimension of one project over a range of hours.
CREATE INDEX IF NOT EXISTS report_rollups_read ON report_rollups (project_id, dim, hour) INCLUDE (metric, value, bucket, n, seconds);
-- One folded row per key, which the fold adds to; and the rows still to fold.
CREATE UNIQUE INDEX IF NOT EXISTS report_rollups_folded ON report_rollups (project_id, dim, hour, metric, value, bucket) WHERE folded;
CREATE INDEX IF NOT EXISTS report_rollups_unfolded ON report_rollups (project_id) WHERE NOT folded;

-- The same sums per UTC day, for reads over whole days: every folded hour row is also added to its
-- day here by the fold (in the same statement), so a day row is the sum of its folded hours. A
-- range's totals read whole UTC days here and the hours at its two ends (and the few unfolded
-- rows) from report_rollups: a year is a few hundred rows per key instead of 8,760.
CREATE TABLE IF NOT EXISTS report_days (
    project_id  uuid NOT NULL,
    day         date NOT NULL,                   -- the UTC day
    metric      text NOT NULL,
    dim         text NOT NULL,
    value       text NOT NULL,
    bucket      smallint NOT NULL,
    n           bigint NOT NULL,
    seconds     bigint NOT NULL,
    PRIMARY KEY (project_id, dim, day, metric, value, bucket)
);

-- The export of a range's tickets walks a project's tickets by creation time.
CREATE INDEX IF NOT EXISTS tickets_project_created ON tickets (project_id, created_at);

-- The triggers find a ticket's credits and a reply's credit by these.
CREATE INDEX IF NOT EXISTS credit_ledger_ticket ON credit_ledger (ticket_id) WHERE ticket_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS credit_ledger_message ON credit_ledger (message_id) WHERE message_id IS NOT NULL;

-- The fact functions take columns, not rows: PostgreSQL 15 inlines them into the set-based
-- statements below (a whole-row argument there trips its planner).
CREATE OR REPLACE FUNCTION report_hour(at timestamptz) RETURNS timestamptz LANGUAGE sql IMMUTABLE AS $$
    SELECT date_trunc('hour', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
$$;

CREATE OR REPLACE FUNCTION report_bucket(seconds bigint) RETURNS smallint LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN seconds IS NULL THEN -1
                WHEN seconds < 60 THEN 0
                ELSE least(90, 1 + floor(4 * log(2.0, seconds / 60.0)))::smallint END
$$;

CREATE OR REPLACE FUNCTION report_seconds(from_at timestamptz, to_at timestamptz) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
    SELECT greatest(0, floor(extract(epoch FROM to_at - from_at)))::bigint
$$;

-- The facts of the ticket row itself. Closed: the ticket is closed now, at its closed_at, with the
-- resolution time; first response at first_reply_at. Both belong to the current assignee, as do
-- the SLA outcomes: a target is met when answered (resolved) by its due time and no breach was
-- recorded, breached when a breach was recorded or the answer came late.
CREATE OR REPLACE FUNCTION report_ticket_facts(created_at timestamptz, status text, closed_at timestamptz, assignee_id uuid,
    first_reply_at timestamptz, first_reply_due_at timestamptz, first_reply_breached_at timestamptz,
    resolve_due_at timestamptz, resolve_breached_at timestamptz)
RETURNS TABLE (hour timestamptz, metric text, agent uuid, seconds bigint) LANGUAGE sql IMMUTABLE AS $$
    SELECT report_hour(created_at), 'created', NULL::uuid, NULL::bigint
    UNION ALL
    SELECT report_hour(closed_at), 'closed', assignee_id, report_seconds(created_at, closed_at)
     WHERE status = 'closed' AND closed_at IS NOT NULL
    UNION ALL
    SELECT report_hour(first_reply_at), 'first_response', assignee_id, report_seconds(created_at, first_reply_at)
     WHERE first_reply_at IS NOT NULL
    UNION ALL
    SELECT report_hour(first_reply_at), 'first_reply_met', assignee_id, NULL
     WHERE first_reply_at <= first_reply_due_at AND first_reply_breached_at IS NULL
    UNION ALL
    SELECT report_hour(coalesce(first_reply_breached_at, first_reply_due_at)), 'first_reply_breached', assignee_id, NULL
     WHERE first_reply_breached_at IS NOT NULL OR first_reply_at > first_reply_due_at
    UNION ALL
    SELECT report_hour(closed_at), 'resolve_met', assignee_id, NULL
     WHERE status = 'closed' AND closed_at <= resolve_due_at AND resolve_breached_at IS NULL
    UNION ALL
    SELECT report_hour(coalesce(resolve_breached_at, resolve_due_at)), 'resolve_breached', assignee_id, NULL
     WHERE resolve_breached_at IS NOT NULL OR (status = 'closed' AND closed_at > resolve_due_at)
$$;

-- A message: a reply or a note by its agent, or a customer message. System messages are not counted.
CREATE OR REPLACE FUNCTION report_message_facts(created_at timestamptz, author text, internal boolean, agent_id uuid)
RETURNS TABLE (hour timestamptz, metric text, agent uuid, seconds bigint) LANGUAGE sql IMMUTABLE AS $$
    SELECT report_hour(created_at),
           CASE WHEN author = 'customer' THEN 'customer_message' WHEN internal THEN 'note' ELSE 'reply' END,
           CASE WHEN author = 'agent' THEN agent_id END, NULL::bigint
     WHERE author IN ('customer', 'agent')
$$;

-- A history entry: a closed ticket opened again, or a ticket assigned to someone.
CREATE OR REPLACE FUNCTION report_history_facts(at timestamptz, field text, from_value text, to_value text)
RETURNS TABLE (hour timestamptz, metric text, agent uuid, seconds bigint) LANGUAGE sql IMMUTABLE AS $$
    SELECT report_hour(at), 'reopened', NULL::uuid, NULL::bigint
     WHERE field = 'status' AND from_value = 'closed' AND to_value IS DISTINCT FROM 'closed'
    UNION ALL
    SELECT report_hour(at), 'assigned',
           CASE WHEN to_value ~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' THEN to_value::uuid END, NULL
     WHERE field = 'assignee_id' AND to_value IS NOT NULL
$$;

-- A credit spent on a reply, belonging to the reply's agent: a fact once both the ledger row and
-- the message exist (the reply's transaction debits before it inserts the message).
CREATE OR REPLACE FUNCTION report_credit_facts(at timestamptz, kind text, message_id uuid)
RETURNS TABLE (hour timestamptz, metric text, agent uuid, seconds bigint) LANGUAGE sql STABLE AS $$
    SELECT report_hour(at), 'credit', m.agent_id, NULL::bigint
      FROM ticket_messages m
     WHERE m.id = message_id AND kind = 'reply'
$$;

-- Every fact of a ticket: its own and those of its messages, history and credits.
CREATE OR REPLACE FUNCTION report_all_facts(ticket uuid, created_at timestamptz, status text, closed_at timestamptz, assignee_id uuid,
    first_reply_at timestamptz, first_reply_due_at timestamptz, first_reply_breached_at timestamptz,
    resolve_due_at timestamptz, resolve_breached_at timestamptz)
RETURNS TABLE (hour timestamptz, metric text, agent uuid, seconds bigint) LANGUAGE sql STABLE AS $$
    SELECT * FROM report_ticket_facts(created_at, status, closed_at, assignee_id, first_reply_at, first_reply_due_at,
                                      first_reply_breached_at, resolve_due_at, resolve_breached_at)
    UNION ALL
    SELECT f.* FROM ticket_messages m CROSS JOIN LATERAL report_message_facts(m.created_at, m.author, m.internal, m.agent_id) f
     WHERE m.ticket_id = ticket
    UNION ALL
    SELECT f.* FROM ticket_history h CROSS JOIN LATERAL report_history_facts(h.at, h.field, h.from_value, h.to_value) f
     WHERE h.ticket_id = ticket
    UNION ALL
    SELECT f.* FROM credit_ledger l CROSS JOIN LATERAL report_credit_facts(l.at, l.kind, l.message_id) f
     WHERE l.ticket_id = ticket AND l.kind = 'reply'
$$;

-- Where a fact of a ticket is counted: the total, the ticket's channel, type, priority and tags,
-- and the fact's agent; or under one tag only (a tag put on or taken off).
CREATE OR REPLACE FUNCTION report_dims(ticket uuid, channel text, type_id uuid, priority text, agent uuid, only_tag uuid)
RETURNS TABLE (dim text, value text) LANGUAGE sql STABLE AS $$
    SELECT d.dim, d.value
      FROM (VALUES ('', ''), ('channel', channel), ('type', coalesce(type_id::text, '')), ('priority', priority), ('agent', agent::text)) d (dim, value)
     WHERE only_tag IS NULL AND d.value IS NOT NULL
    UNION ALL
    SELECT 'tag', tt.tag_id::text FROM ticket_tags tt WHERE only_tag IS NULL AND tt.ticket_id = ticket
    UNION ALL
    SELECT 'tag', only_tag::text WHERE only_tag IS NOT NULL
$$;

-- Every rollup row of a set of tickets' facts, from the raw tables (what the maintained rows of
-- those tickets sum to). The migration's backfill and the tests' recount.
CREATE OR REPLACE FUNCTION report_recount(project uuid)
RETURNS TABLE (hour timestamptz, metric text, dim text, value text, bucket smallint, n bigint, seconds bigint)
LANGUAGE sql STABLE AS $$
    SELECT f.hour, f.metric, d.dim, d.value, report_bucket(f.seconds), count(*), sum(coalesce(f.seconds, 0))::bigint
      FROM tickets t
     CROSS JOIN LATERAL report_all_facts(t.id, t.created_at, t.status, t.closed_at, t.assignee_id, t.first_reply_at, t.first_reply_due_at,
                                         t.first_reply_breached_at, t.resolve_due_at, t.resolve_breached_at) f
     CROSS JOIN LATERAL report_dims(t.id, t.channel, t.type_id, t.priority, f.agent, NULL) d
     WHERE t.project_id = project
     GROUP BY 1, 2, 3, 4, 5
$$;

-- Serialises a change of a ticket's facts with a change of its dimensions: every writer of a
-- ticket's messages, history, tags or credits locks the ticket row (the grain's own writes
-- already hold it: they update the ticket first), so the dimensions read below are the ones
-- the ticket commits with, and a dimension change recounts the facts committed before it.
CREATE OR REPLACE FUNCTION report_lock_tickets(ids uuid[]) RETURNS void LANGUAGE sql AS $$
    SELECT NULL FROM (SELECT id FROM tickets WHERE id = ANY (ids) ORDER BY id FOR NO KEY UPDATE) locked
$$;

-- Tickets. A change of channel, type, priority or project moves every fact of the ticket; any
-- other change moves the ticket's own facts only (its messages, history and credits are counted
-- under dimensions that did not change). Keys that cancel out are not written.
CREATE OR REPLACE FUNCTION report_ticket_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    everything boolean := TG_OP = 'DELETE' OR OLD.channel IS DISTINCT FROM NEW.channel OR OLD.type_id IS DISTINCT FROM NEW.type_id
                          OR OLD.priority IS DISTINCT FROM NEW.priority OR OLD.project_id IS DISTINCT FROM NEW.project_id;
BEGIN
    INSERT INTO report_rollups (project_id, hour, metric, dim, value, bucket, n, seconds)
    SELECT s.project_id, f.hour, f.metric, d.dim, d.value, report_bucket(f.seconds), sum(s.sign), sum(s.sign * coalesce(f.seconds, 0))
      FROM (SELECT -1 AS sign, OLD.id AS id, OLD.project_id AS project_id, OLD.channel AS channel, OLD.type_id AS type_id,
                   OLD.priority AS priority, OLD.created_at AS created_at, OLD.status AS status, OLD.closed_at AS closed_at,
                   OLD.assignee_id AS assignee_id, OLD.first_reply_at AS first_reply_at, OLD.first_reply_due_at AS first_reply_due_at,
                   OLD.first_reply_breached_at AS first_reply_breached_at, OLD.resolve_due_at AS resolve_due_at,
                   OLD.resolve_breached_at AS resolve_breached_at
             WHERE TG_OP <> 'INSERT'
            UNION ALL
            SELECT 1, NEW.id, NEW.project_id, NEW.channel, NEW.type_id, NEW.priority, NEW.created_at, NEW.status, NEW.closed_at,
                   NEW.assignee_id, NEW.first_reply_at, NEW.first_reply_due_at, NEW.first_reply_breached_at, NEW.resolve_due_at,
                   NEW.resolve_breached_at
             WHERE TG_OP <> 'DELETE') s
     CROSS JOIN LATERAL (
            SELECT * FROM report_ticket_facts(s.created_at, s.status, s.closed_at, s.assignee_id, s.first_reply_at, s.first_reply_due_at,
                                              s.first_reply_breached_at, s.resolve_due_at, s.resolve_breached_at)
             WHERE NOT everything
            UNION ALL
            SELECT * FROM report_all_facts(s.id, s.created_at, s.status, s.closed_at, s.assignee_id, s.first_reply_at, s.first_reply_due_at,
                                           s.first_reply_breached_at, s.resolve_due_at, s.resolve_breached_at)
             WHERE everything) f
     CROSS JOIN LATERAL report_dims(s.id, s.channel, s.type_id, s.priority, f.agent, NULL) d
     GROUP BY 1, 2, 3, 4, 5, 6
    HAVING sum(s.sign) <> 0 OR sum(s.sign * coalesce(f.seconds, 0)) <> 0;
    RETURN NULL;
END $$;

-- Created tickets, per statement: a bulk load by SQL adds one row per key, not one a ticket.
CREATE OR REPLACE FUNCTION report_tickets_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_rollups (project_id, hour, metric, dim, value, bucket, n, seconds)
    SELECT t.project_id, f.hour, f.metric, d.dim, d.value, report_bucket(f.seconds), count(*), sum(coalesce(f.seconds, 0))
      FROM inserted t
     CROSS JOIN LATERAL report_ticket_facts(t.created_at, t.status, t.closed_at, t.assignee_id, t.first_reply_at, t.first_reply_due_at,
                                            t.first_reply_breached_at, t.resolve_due_at, t.resolve_breached_at) f
     CROSS JOIN LATERAL report_dims(t.id, t.channel, t.type_id, t.priority, f.agent, NULL) d
     GROUP BY 1, 2, 3, 4, 5, 6;
    RETURN NULL;
END $$;

-- New messages (and the credits their replies were debited), per statement.
CREATE OR REPLACE FUNCTION report_messages_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM report_lock_tickets(ARRAY(SELECT DISTINCT ticket_id FROM inserted));
    INSERT INTO report_rollups (project_id, hour, metric, dim, value, bucket, n, seconds)
    SELECT t.project_id, f.hour, f.metric, d.dim, d.value, report_bucket(f.seconds), count(*), sum(coalesce(f.seconds, 0))
      FROM (SELECT m.ticket_id, mf.* FROM inserted m CROSS JOIN LATERAL report_message_facts(m.created_at, m.author, m.internal, m.agent_id) mf
            UNION ALL
            SELECT l.ticket_id, cf.* FROM inserted m JOIN credit_ledger l ON l.message_id = m.id
             CROSS JOIN LATERAL report_credit_facts(l.at, l.kind, l.message_id) cf) f
      JOIN tickets t ON t.id = f.ticket_id
     CROSS JOIN LATERAL report_dims(t.id, t.channel, t.type_id, t.priority, f.agent, NULL) d
     GROUP BY 1, 2, 3, 4, 5, 6;
    RETURN NULL;
END $$;

-- A message moved to another ticket (a merge) or deleted: its facts leave the old ticket's
-- dimensions and, when it moved, join the new one's. The credit of a reply stays with the
-- ledger's ticket.
CREATE OR REPLACE FUNCTION report_message_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM report_lock_tickets(ARRAY[OLD.ticket_id, NEW.ticket_id]);
    INSERT INTO report_rollups (project_id, hour, metric, dim, value, bucket, n, seconds)
    SELECT t.project_id, f.hour, f.metric, d.dim, d.value, report_bucket(f.seconds), sum(s.sign), 0
      FROM (SELECT -1 AS sign, OLD.ticket_id AS ticket_id, OLD.created_at AS created_at, OLD.author AS author, OLD.internal AS internal,
                   OLD.agent_id AS agent_id
            UNION ALL
            SELECT 1, NEW.ticket_id, NEW.created_at, NEW.author, NEW.internal, NEW.agent_id WHERE TG_OP = 'UPDATE') s
      JOIN tickets t ON t.id = s.ticket_id
     CROSS JOIN LATERAL report_message_facts(s.created_at, s.author, s.internal, s.agent_id) f
     CROSS JOIN LATERAL report_dims(t.id, t.channel, t.type_id, t.priority, f.agent, NULL) d
     GROUP BY 1, 2, 3, 4, 5, 6
    HAVING sum(s.sign) <> 0;
    IF TG_OP = 'DELETE' THEN
        -- The credit of a reply that is gone has no agent any more.
        INSERT INTO report_rollups (project_id, hour, metric, dim, value, bucket, n, seconds)
        SELECT t.project_id, report_hour(l.at), 'credit', d.dim, d.value, -1, -count(*), 0
          FROM credit_ledger l
          JOIN tickets t ON t.id = l.ticket_id
         CROSS JOIN LATERAL report_dims(t.id, t.channel, t.type_id, t.priority, OLD.agent_id, NULL) d
         WHERE l.message_id = OLD.id AND l.kind = 'reply'
         GROUP BY 1, 2, 3, 4, 5;
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION report_history_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM report_lock_tickets(ARRAY(SELECT DISTINCT ticket_id FROM inserted));
    INSERT INTO report_rollups (project_id, hour, metric, dim, value, bucket, n, seconds)
    SELECT t.project_id, f.hour, f.metric, d.dim, d.value, report_bucket(f.seconds), count(*), 0
      FROM inserted h
      JOIN tickets t ON t.id = h.ticket_id
     CROSS JOIN LATERAL report_history_facts(h.at, h.field, h.from_value, h.to_value) f
     CROSS JOIN LATERAL report_dims(t.id, t.channel, t.type_id, t.priority, f.agent, NULL) d
     GROUP BY 1, 2, 3, 4, 5, 6;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION report_history_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_rollups (project_id, hour, metric, dim, value, bucket, n, seconds)
    SELECT t.project_id, f.hour, f.metric, d.dim, d.value, report_bucket(f.seconds), -count(*), 0
      FROM tickets t
     CROSS JOIN LATERAL report_history_facts(OLD.at, OLD.field, OLD.from_value, OLD.to_value) f
     CROSS JOIN LATERAL report_dims(t.id, t.channel, t.type_id, t.priority, f.agent, NULL) d
     WHERE t.id = OLD.ticket_id
     GROUP BY 1, 2, 3, 4, 5, 6;
    RETURN NULL;
END $$;

-- A credit debited for a reply already stored (the usual order is the other way round, and then
-- the message's trigger counts it).
CREATE OR REPLACE FUNCTION report_credits_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM inserted i JOIN ticket_messages m ON m.id = i.message_id WHERE i.kind = 'reply') THEN
        RETURN NULL;
    END IF;
    PERFORM report_lock_tickets(ARRAY(SELECT DISTINCT ticket_id FROM inserted WHERE ticket_id IS NOT NULL));
    INSERT INTO report_rollups (project_id, hour, metric, dim, value, bucket, n, seconds)
    SELECT t.project_id, f.hour, f.metric, d.dim, d.value, -1, count(*), 0
      FROM inserted l
      JOIN tickets t ON t.id = l.ticket_id
     CROSS JOIN LATERAL report_credit_facts(l.at, l.kind, l.message_id) f
     CROSS JOIN LATERAL report_dims(t.id, t.channel, t.type_id, t.priority, f.agent, NULL) d
     GROUP BY 1, 2, 3, 4, 5, 6;
    RETURN NULL;
END $$;

-- A tag put on or taken off a ticket: every fact of the ticket joins or leaves that tag.
-- Tag links, a statement at a time (a bulk tagging of 10,000 tickets is one pass, not 10,000):
-- each linked or unlinked ticket's facts counted under that tag.
CREATE OR REPLACE FUNCTION report_tags_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sign int := CASE WHEN TG_OP = 'DELETE' THEN -1 ELSE 1 END;
BEGIN
    PERFORM report_lock_tickets(ARRAY(SELECT DISTINCT ticket_id FROM changed));
    INSERT INTO report_rollups (project_id, hour, metric, dim, value, bucket, n, seconds)
    SELECT t.project_id, f.hour, f.metric, 'tag', c.tag_id::text, report_bucket(f.seconds), sign * count(*), sign * sum(coalesce(f.seconds, 0))
      FROM changed c
      JOIN tickets t ON t.id = c.ticket_id
     CROSS JOIN LATERAL report_all_facts(t.id, t.created_at, t.status, t.closed_at, t.assignee_id, t.first_reply_at, t.first_reply_due_at,
                                         t.first_reply_breached_at, t.resolve_due_at, t.resolve_breached_at) f
     GROUP BY 1, 2, 3, 4, 5, 6;
    RETURN NULL;
END $$;

-- Writers wait from here to the commit, and this waits for the writers in flight: the recount
-- below counts every committed row and every later change goes through the triggers, so nothing
-- is counted twice or missed (as migration 0017 does for the ticket counters).
LOCK TABLE tickets, ticket_messages, ticket_history, ticket_tags, credit_ledger IN SHARE ROW EXCLUSIVE MODE;

CREATE OR REPLACE TRIGGER report_tickets_inserted AFTER INSERT ON tickets
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION report_tickets_inserted();
CREATE OR REPLACE TRIGGER report_ticket_changed AFTER UPDATE ON tickets FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.closed_at IS DISTINCT FROM NEW.closed_at
          OR OLD.first_reply_at IS DISTINCT FROM NEW.first_reply_at OR OLD.created_at IS DISTINCT FROM NEW.created_at
          OR OLD.assignee_id IS DISTINCT FROM NEW.assignee_id OR OLD.priority IS DISTINCT FROM NEW.priority
          OR OLD.type_id IS DISTINCT FROM NEW.type_id OR OLD.channel IS DISTINCT FROM NEW.channel
          OR OLD.project_id IS DISTINCT FROM NEW.project_id
          OR OLD.first_reply_due_at IS DISTINCT FROM NEW.first_reply_due_at OR OLD.resolve_due_at IS DISTINCT FROM NEW.resolve_due_at
          OR OLD.first_reply_breached_at IS DISTINCT FROM NEW.first_reply_breached_at
          OR OLD.resolve_breached_at IS DISTINCT FROM NEW.resolve_breached_at)
    EXECUTE FUNCTION report_ticket_changed();
CREATE OR REPLACE TRIGGER report_ticket_deleted AFTER DELETE ON tickets FOR EACH ROW
    EXECUTE FUNCTION report_ticket_changed();

CREATE OR REPLACE TRIGGER report_messages_inserted AFTER INSERT ON ticket_messages
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION report_messages_inserted();
CREATE OR REPLACE TRIGGER report_message_moved AFTER UPDATE ON ticket_messages FOR EACH ROW
    WHEN (OLD.ticket_id IS DISTINCT FROM NEW.ticket_id OR OLD.author IS DISTINCT FROM NEW.author
          OR OLD.internal IS DISTINCT FROM NEW.internal OR OLD.agent_id IS DISTINCT FROM NEW.agent_id
          OR OLD.created_at IS DISTINCT FROM NEW.created_at)
    EXECUTE FUNCTION report_message_changed();
CREATE OR REPLACE TRIGGER report_message_deleted AFTER DELETE ON ticket_messages FOR EACH ROW
    EXECUTE FUNCTION report_message_changed();

CREATE OR REPLACE TRIGGER report_history_inserted AFTER INSERT ON ticket_history
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION report_history_inserted();
CREATE OR REPLACE TRIGGER report_history_deleted AFTER DELETE ON ticket_history FOR EACH ROW
    EXECUTE FUNCTION report_history_deleted();

CREATE OR REPLACE TRIGGER report_credits_inserted AFTER INSERT ON credit_ledger
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION report_credits_inserted();

CREATE OR REPLACE TRIGGER report_tag_added AFTER INSERT ON ticket_tags
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_tags_changed();
CREATE OR REPLACE TRIGGER report_tag_removed AFTER DELETE ON ticket_tags
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION report_tags_changed();

-- A recount, not an increment: running this file again gives the same rows.
DELETE FROM report_days;
DELETE FROM report_rollups;
INSERT INTO report_rollups (project_id, hour, metric, dim, value, bucket, n, seconds, folded)
SELECT t.project_id, f.hour, f.metric, d.dim, d.value, report_bucket(f.seconds), count(*), sum(coalesce(f.seconds, 0)), true
  FROM (SELECT t.id AS ticket_id, tf.* FROM tickets t
         CROSS JOIN LATERAL report_ticket_facts(t.created_at, t.status, t.closed_at, t.assignee_id, t.first_reply_at, t.first_reply_due_at,
                                                t.first_reply_breached_at, t.resolve_due_at, t.resolve_breached_at) tf
        UNION ALL
        SELECT m.ticket_id, mf.* FROM ticket_messages m CROSS JOIN LATERAL report_message_facts(m.created_at, m.author, m.internal, m.agent_id) mf
        UNION ALL
        SELECT h.ticket_id, hf.* FROM ticket_history h CROSS JOIN LATERAL report_history_facts(h.at, h.field, h.from_value, h.to_value) hf
        UNION ALL
        SELECT l.ticket_id, cf.* FROM credit_ledger l CROSS JOIN LATERAL report_credit_facts(l.at, l.kind, l.message_id) cf WHERE l.kind = 'reply') f
  JOIN tickets t ON t.id = f.ticket_id
 CROSS JOIN LATERAL report_dims(t.id, t.channel, t.type_id, t.priority, f.agent, NULL) d
 GROUP BY 1, 2, 3, 4, 5, 6;
INSERT INTO report_days (project_id, day, metric, dim, value, bucket, n, seconds)
SELECT project_id, (hour AT TIME ZONE 'UTC')::date, metric, dim, value, bucket, sum(n), sum(seconds)
  FROM report_rollups
 GROUP BY 1, 2, 3, 4, 5, 6;
