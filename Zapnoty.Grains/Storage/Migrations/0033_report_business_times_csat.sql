-- Reports (issue 20), second part: first response and resolution in business hours, and CSAT,
-- kept in the rollups of migration 0030 like every other fact (same transaction, same buckets).
--
-- Business seconds need the project's calendar (working hours, holidays, iCal dates: NodaTime
-- arithmetic in the ticket grain), so the grain stores them on the ticket row when the first
-- reply or the close happens, and the triggers fold them like the calendar durations:
-- first_reply_business_seconds from creation to the first reply in the calendar's working time;
-- resolution_business_seconds from creation to the close in working time, less the working time
-- the SLA clock was paused (waiting on the customer under a policy that pauses);
-- sla_paused_business_seconds adds up those paused spans (null: paused before this migration
-- in a project with a calendar, not measurable now). Without a calendar working time is real
-- time, as for SLA targets.
--
-- CSAT facts, from the ticket row's columns (migration 0027): the survey sent (at
-- csat_requested_at), that survey answered (counted at the same hour, so answered / sent is the
-- response rate of the surveys sent in a range), the score received (csat_1 .. csat_5 at
-- csat_at) and a comment received. All belong to the ticket's assignee, as closings do.
--
-- Additive: new nullable columns (no rewrite of rows); a silo of the previous release does not
-- write them, and then its tickets simply have no business times.

ALTER TABLE tickets ADD COLUMN IF NOT EXISTS first_reply_business_seconds bigint;
ALTER TABLE tickets ADD COLUMN IF NOT EXISTS resolution_business_seconds bigint;
ALTER TABLE tickets ADD COLUMN IF NOT EXISTS sla_paused_business_seconds bigint;
-- New tickets have paused for no time; rows already there stay null until the backfill below.
ALTER TABLE tickets ALTER COLUMN sla_paused_business_seconds SET DEFAULT 0;

CREATE OR REPLACE FUNCTION report_ticket_more_facts(status text, closed_at timestamptz, assignee_id uuid, first_reply_at timestamptz,
    first_reply_business_seconds bigint, resolution_business_seconds bigint,
    csat_requested_at timestamptz, csat_score smallint, csat_comment text, csat_at timestamptz)
RETURNS TABLE (hour timestamptz, metric text, agent uuid, seconds bigint) LANGUAGE sql IMMUTABLE AS $$
    SELECT report_hour(first_reply_at), 'first_response_business', assignee_id, first_reply_business_seconds
     WHERE first_reply_at IS NOT NULL AND first_reply_business_seconds IS NOT NULL
    UNION ALL
    SELECT report_hour(closed_at), 'resolution_business', assignee_id, resolution_business_seconds
     WHERE status = 'closed' AND closed_at IS NOT NULL AND resolution_business_seconds IS NOT NULL
    UNION ALL
    SELECT report_hour(csat_requested_at), 'csat_requested', assignee_id, NULL::bigint
     WHERE csat_requested_at IS NOT NULL
    UNION ALL
    SELECT report_hour(csat_requested_at), 'csat_answered', assignee_id, NULL
     WHERE csat_requested_at IS NOT NULL AND csat_at >= csat_requested_at
    UNION ALL
    SELECT report_hour(csat_at), 'csat_' || csat_score, assignee_id, NULL
     WHERE csat_score IS NOT NULL AND csat_at IS NOT NULL
    UNION ALL
    SELECT report_hour(csat_at), 'csat_comment', assignee_id, NULL
     WHERE csat_score IS NOT NULL AND csat_at IS NOT NULL AND coalesce(csat_comment, '') <> ''
$$;

-- Every fact of a ticket (0030's, now with the ones above): the ticket row's columns are passed.
DROP FUNCTION IF EXISTS report_all_facts(uuid, timestamptz, text, timestamptz, uuid, timestamptz, timestamptz, timestamptz, timestamptz, timestamptz);
CREATE OR REPLACE FUNCTION report_all_facts(ticket uuid, created_at timestamptz, status text, closed_at timestamptz, assignee_id uuid,
    first_reply_at timestamptz, first_reply_due_at timestamptz, first_reply_breached_at timestamptz,
    resolve_due_at timestamptz, resolve_breached_at timestamptz, first_reply_business_seconds bigint, resolution_business_seconds bigint,
    csat_requested_at timestamptz, csat_score smallint, csat_comment text, csat_at timestamptz)
RETURNS TABLE (hour timestamptz, metric text, agent uuid, seconds bigint) LANGUAGE sql STABLE AS $$
    SELECT * FROM report_ticket_facts(created_at, status, closed_at, assignee_id, first_reply_at, first_reply_due_at,
                                      first_reply_breached_at, resolve_due_at, resolve_breached_at)
    UNION ALL
    SELECT * FROM report_ticket_more_facts(status, closed_at, assignee_id, first_reply_at, first_reply_business_seconds,
                                           resolution_business_seconds, csat_requested_at, csat_score, csat_comment, csat_at)
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
$$;

-- As in 0030, with the ticket row's new facts.
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
                   OLD.resolve_breached_at AS resolve_breached_at, OLD.first_reply_business_seconds AS first_reply_business_seconds,
                   OLD.resolution_business_seconds AS resolution_business_seconds, OLD.csat_requested_at AS csat_requested_at,
                   OLD.csat_score AS csat_score, OLD.csat_comment AS csat_comment, OLD.csat_at AS csat_at
             WHERE TG_OP <> 'INSERT'
            UNION ALL
            SELECT 1, NEW.id, NEW.project_id, NEW.channel, NEW.type_id, NEW.priority, NEW.created_at, NEW.status, NEW.closed_at,
                   NEW.assignee_id, NEW.first_reply_at, NEW.first_reply_due_at, NEW.first_reply_breached_at, NEW.resolve_due_at,
                   NEW.resolve_breached_at, NEW.first_reply_business_seconds, NEW.resolution_business_seconds, NEW.csat_requested_at,
                   NEW.csat_score, NEW.csat_comment, NEW.csat_at
             WHERE TG_OP <> 'DELETE') s
     CROSS JOIN LATERAL (
            SELECT * FROM report_ticket_facts(s.created_at, s.status, s.closed_at, s.assignee_id, s.first_reply_at, s.first_reply_due_at,
                                              s.first_reply_breached_at, s.resolve_due_at, s.resolve_breached_at)
             WHERE NOT everything
            UNION ALL
            SELECT * FROM report_ticket_more_facts(s.status, s.closed_at, s.assignee_id, s.first_reply_at, s.first_reply_business_seconds,
                                                   s.resolution_business_seconds, s.csat_requested_at, s.csat_score, s.csat_comment, s.csat_at)
             WHERE NOT everything
            UNION ALL
            SELECT * FROM report_all_facts(s.id, s.created_at, s.status, s.closed_at, s.assignee_id, s.first_reply_at, s.first_reply_due_at,
                                           s.first_reply_breached_at, s.resolve_due_at, s.resolve_breached_at, s.first_reply_business_seconds,
                                           s.resolution_business_seconds, s.csat_requested_at, s.csat_score, s.csat_comment, s.csat_at)
             WHERE everything) f
     CROSS JOIN LATERAL report_dims(s.id, s.channel, s.type_id, s.priority, f.agent, NULL) d
     GROUP BY 1, 2, 3, 4, 5, 6
    HAVING sum(s.sign) <> 0 OR sum(s.sign * coalesce(f.seconds, 0)) <> 0;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION report_tickets_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_rollups (project_id, hour, metric, dim, value, bucket, n, seconds)
    SELECT t.project_id, f.hour, f.metric, d.dim, d.value, report_bucket(f.seconds), count(*), sum(coalesce(f.seconds, 0))
      FROM inserted t
     CROSS JOIN LATERAL (
            SELECT * FROM report_ticket_facts(t.created_at, t.status, t.closed_at, t.assignee_id, t.first_reply_at, t.first_reply_due_at,
                                              t.first_reply_breached_at, t.resolve_due_at, t.resolve_breached_at)
            UNION ALL
            SELECT * FROM report_ticket_more_facts(t.status, t.closed_at, t.assignee_id, t.first_reply_at, t.first_reply_business_seconds,
                                                   t.resolution_business_seconds, t.csat_requested_at, t.csat_score, t.csat_comment, t.csat_at)) f
     CROSS JOIN LATERAL report_dims(t.id, t.channel, t.type_id, t.priority, f.agent, NULL) d
     GROUP BY 1, 2, 3, 4, 5, 6;
    RETURN NULL;
END $$;

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
                                         t.first_reply_breached_at, t.resolve_due_at, t.resolve_breached_at, t.first_reply_business_seconds,
                                         t.resolution_business_seconds, t.csat_requested_at, t.csat_score, t.csat_comment, t.csat_at) f
     GROUP BY 1, 2, 3, 4, 5, 6;
    RETURN NULL;
END $$;

-- As in 0030: writers wait from here to the commit, so the recount below misses nothing.
LOCK TABLE tickets, ticket_messages, ticket_history, ticket_tags, credit_ledger IN SHARE ROW EXCLUSIVE MODE;

-- Backfill what is derivable without the calendar arithmetic: in a project without a calendar
-- working time is real time (and a paused span counts whole). Projects with a calendar keep
-- nulls for the tickets answered or closed before this migration: they are missing from the
-- business-hours figures (not guessed), and counted from their next first reply or close.
UPDATE tickets t
   SET sla_paused_business_seconds = t.sla_paused_seconds
 WHERE t.sla_paused_business_seconds IS NULL
   AND (t.sla_paused_seconds = 0 OR NOT EXISTS (SELECT 1 FROM project_calendars c WHERE c.project_id = t.project_id));
UPDATE tickets t
   SET first_reply_business_seconds = report_seconds(t.created_at, t.first_reply_at)
 WHERE t.first_reply_at IS NOT NULL AND t.first_reply_business_seconds IS NULL
   AND NOT EXISTS (SELECT 1 FROM project_calendars c WHERE c.project_id = t.project_id);
UPDATE tickets t
   SET resolution_business_seconds = greatest(0, report_seconds(t.created_at, t.closed_at) - t.sla_paused_business_seconds
                                                  - coalesce(report_seconds(t.sla_paused_at, t.closed_at), 0))
 WHERE t.status = 'closed' AND t.closed_at IS NOT NULL AND t.resolution_business_seconds IS NULL AND t.sla_paused_business_seconds IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM project_calendars c WHERE c.project_id = t.project_id);

CREATE OR REPLACE TRIGGER report_ticket_changed AFTER UPDATE ON tickets FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.closed_at IS DISTINCT FROM NEW.closed_at
          OR OLD.first_reply_at IS DISTINCT FROM NEW.first_reply_at OR OLD.created_at IS DISTINCT FROM NEW.created_at
          OR OLD.assignee_id IS DISTINCT FROM NEW.assignee_id OR OLD.priority IS DISTINCT FROM NEW.priority
          OR OLD.type_id IS DISTINCT FROM NEW.type_id OR OLD.channel IS DISTINCT FROM NEW.channel
          OR OLD.project_id IS DISTINCT FROM NEW.project_id
          OR OLD.first_reply_due_at IS DISTINCT FROM NEW.first_reply_due_at OR OLD.resolve_due_at IS DISTINCT FROM NEW.resolve_due_at
          OR OLD.first_reply_breached_at IS DISTINCT FROM NEW.first_reply_breached_at
          OR OLD.resolve_breached_at IS DISTINCT FROM NEW.resolve_breached_at
          OR OLD.first_reply_business_seconds IS DISTINCT FROM NEW.first_reply_business_seconds
          OR OLD.resolution_business_seconds IS DISTINCT FROM NEW.resolution_business_seconds
          OR OLD.csat_requested_at IS DISTINCT FROM NEW.csat_requested_at OR OLD.csat_score IS DISTINCT FROM NEW.csat_score
          OR OLD.csat_comment IS DISTINCT FROM NEW.csat_comment OR OLD.csat_at IS DISTINCT FROM NEW.csat_at)
    EXECUTE FUNCTION report_ticket_changed();

-- A recount, not an increment (as in 0030): running this file again gives the same rows.
DELETE FROM report_days;
DELETE FROM report_rollups;
INSERT INTO report_rollups (project_id, hour, metric, dim, value, bucket, n, seconds, folded)
SELECT t.project_id, f.hour, f.metric, d.dim, d.value, report_bucket(f.seconds), count(*), sum(coalesce(f.seconds, 0)), true
  FROM (SELECT t.id AS ticket_id, tf.* FROM tickets t
         CROSS JOIN LATERAL report_ticket_facts(t.created_at, t.status, t.closed_at, t.assignee_id, t.first_reply_at, t.first_reply_due_at,
                                                t.first_reply_breached_at, t.resolve_due_at, t.resolve_breached_at) tf
        UNION ALL
        SELECT t.id, tf.* FROM tickets t
         CROSS JOIN LATERAL report_ticket_more_facts(t.status, t.closed_at, t.assignee_id, t.first_reply_at, t.first_reply_business_seconds,
                                                     t.resolution_business_seconds, t.csat_requested_at, t.csat_score, t.csat_comment, t.csat_at) tf
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

-- Tickets per customer in a range (a count of distinct customers, which hourly sums cannot give)
-- reads the range's tickets from this index alone (an index-only scan): it replaces 0030's
-- index on the same key, which the export of a range uses as well.
CREATE INDEX IF NOT EXISTS tickets_project_created_customer ON tickets (project_id, created_at) INCLUDE (customer_id);
DROP INDEX IF EXISTS tickets_project_created;
