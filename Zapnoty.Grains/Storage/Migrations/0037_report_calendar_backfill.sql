-- Business times of the tickets that calendar projects answered or closed before 0033 (issue 20).
-- 0033 left them null: the ticket grain measures business time with NodaTime when it happens.
-- The arithmetic itself is plain enough for SQL: the working periods of each local date of the
-- stored calendar (its zone, weekly periods, holidays and extra working days, the team's own
-- dates winning over imported ones, an extra working day working the periods of the first weekday
-- that has any, 24:00 ending at the next midnight), cut to the two instants. It reads the calendar
-- as it is now: the one the project had then is not stored (the live path reads it at the event).
-- PostgreSQL places a local time inside a spring-forward gap as NodaTime's lenient resolver does
-- (shifted by the gap); a period boundary inside a fall-back overlap takes the later instant here,
-- the earlier in NodaTime (at most an hour on such a day, for periods starting or ending then).
-- A paused span is not stored, only the real-time sum, so a ticket that paused before 0033 keeps
-- a null business resolution (its business first reply, which never pauses, is filled).
-- Running this file again changes nothing: it fills only nulls, with the same values.

-- A list of the calendar; a list it does not have (or holds as null: no iCal import yet) is empty.
CREATE OR REPLACE FUNCTION report_calendar_list(calendar jsonb, name text) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN jsonb_typeof(calendar->name) = 'array' THEN calendar->name ELSE '[]'::jsonb END
$$;

CREATE OR REPLACE FUNCTION report_calendar_seconds(calendar jsonb, from_at timestamptz, to_at timestamptz)
RETURNS bigint LANGUAGE sql STABLE AS $$
    WITH c AS (
        SELECT calendar->>'time_zone' AS tz,
               ARRAY(SELECT jsonb_array_elements_text(report_calendar_list(calendar, 'holidays'))::date) AS own_holidays,
               ARRAY(SELECT jsonb_array_elements_text(report_calendar_list(calendar, 'working_days'))::date) AS own_working,
               ARRAY(SELECT jsonb_array_elements_text(report_calendar_list(calendar, 'imported_holidays'))::date) AS imported_holidays,
               ARRAY(SELECT jsonb_array_elements_text(report_calendar_list(calendar, 'imported_working_days'))::date) AS imported_working),
    dates AS (
        SELECT c.tz,
               c.own_holidays || ARRAY(SELECT d FROM unnest(c.imported_holidays) d WHERE d <> ALL (c.own_working)) AS holidays,
               c.own_working || ARRAY(SELECT d FROM unnest(c.imported_working) d WHERE d <> ALL (c.own_holidays)) AS working
          FROM c),
    periods AS (
        SELECT p->>'day' AS day, (p->>'start')::time AS starts, p->>'end' AS ends,
               array_position(ARRAY['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], p->>'day') AS dow
          FROM jsonb_array_elements(report_calendar_list(calendar, 'week')) p),
    local_days AS (
        SELECT g::date AS d, CASE WHEN g::date = ANY (dates.working) THEN (SELECT min(dow) FROM periods)
                                  WHEN g::date = ANY (dates.holidays) THEN NULL
                                  ELSE extract(isodow FROM g)::int END AS dow
          FROM dates, generate_series((from_at AT TIME ZONE dates.tz)::date, (to_at AT TIME ZONE dates.tz)::date, interval '1 day') g),
    intervals AS (
        SELECT (l.d + p.starts) AT TIME ZONE dates.tz AS starts,
               CASE WHEN p.ends = '24:00' THEN (l.d + 1)::timestamp AT TIME ZONE dates.tz ELSE (l.d + p.ends::time) AT TIME ZONE dates.tz END AS ends
          FROM dates, local_days l JOIN periods p ON p.dow = l.dow)
    SELECT coalesce(floor(sum(extract(epoch FROM least(i.ends, to_at) - greatest(i.starts, from_at)))), 0)::bigint
      FROM intervals i
     WHERE least(i.ends, to_at) > greatest(i.starts, from_at)
$$;

-- Only calendars with working time (the grain refuses to count business time without any) in a
-- zone this PostgreSQL knows (NodaTime's tzdb may be newer; those tickets stay null).
CREATE OR REPLACE VIEW report_usable_calendars AS
SELECT c.project_id, c.calendar FROM project_calendars c
 WHERE jsonb_array_length(report_calendar_list(c.calendar, 'week')) > 0
   AND c.calendar->>'time_zone' IN (SELECT name FROM pg_timezone_names);

UPDATE tickets t
   SET first_reply_business_seconds = report_calendar_seconds(c.calendar, t.created_at, t.first_reply_at)
  FROM report_usable_calendars c
 WHERE c.project_id = t.project_id
   AND t.first_reply_at IS NOT NULL AND t.first_reply_at >= t.created_at AND t.first_reply_business_seconds IS NULL;

UPDATE tickets t
   SET resolution_business_seconds = greatest(0, report_calendar_seconds(c.calendar, t.created_at, t.closed_at) - t.sla_paused_business_seconds
                                                 - coalesce(report_calendar_seconds(c.calendar, t.sla_paused_at, t.closed_at), 0))
  FROM report_usable_calendars c
 WHERE c.project_id = t.project_id
   AND t.status = 'closed' AND t.closed_at >= t.created_at AND t.resolution_business_seconds IS NULL AND t.sla_paused_business_seconds IS NOT NULL;

DROP VIEW report_usable_calendars;
