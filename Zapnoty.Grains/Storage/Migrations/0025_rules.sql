-- Escalation and automation rules (issue 19). Additive: new tables, and one more notification
-- kind; a silo of the previous release neither reads the rule tables nor the new kind's text.

CREATE TABLE IF NOT EXISTS helpdesk_rules (
    id               uuid PRIMARY KEY,
    project_id       uuid NOT NULL REFERENCES projects (id),
    name             text NOT NULL,
    enabled          boolean NOT NULL,
    trigger_type     text NOT NULL CHECK (trigger_type IN ('sla_warning', 'sla_breached', 'waiting_on_customer')),
    trigger_target   text,            -- the SLA target of sla_* triggers (validated against the list the silo knows)
    trigger_minutes  numeric,         -- minutes before the due time, or minutes of waiting (may be fractional)
    priority         text,            -- condition: only tickets of this priority
    type_id          uuid,            -- condition: only tickets of this type
    actions          jsonb NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS helpdesk_rules_project ON helpdesk_rules (project_id, created_at, id);
-- The sweeper reads the enabled rules of every project.
CREATE INDEX IF NOT EXISTS helpdesk_rules_enabled ON helpdesk_rules (trigger_type) WHERE enabled;

-- One row per (rule, ticket, cycle) a rule fired for, inserted in the transaction of the
-- rule's changes to the ticket: the primary key makes a second firing (a repeated tick, another
-- activation of the ticket) roll back whole. The cycle is the target's due time, its breach, or
-- the moment the ticket started waiting, to the millisecond.
CREATE TABLE IF NOT EXISTS rule_firings (
    rule_id    uuid NOT NULL REFERENCES helpdesk_rules (id) ON DELETE CASCADE,
    ticket_id  uuid NOT NULL REFERENCES tickets (id),
    cycle_at   timestamptz NOT NULL,
    fired_at   timestamptz NOT NULL,
    PRIMARY KEY (rule_id, ticket_id, cycle_at)
);
CREATE INDEX IF NOT EXISTS rule_firings_ticket ON rule_firings (ticket_id);

-- A rule's notify action tells people with a notification of its own kind.
ALTER TABLE notifications DROP CONSTRAINT IF EXISTS notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN ('mention', 'assigned', 'rule')) NOT VALID;
ALTER TABLE notifications VALIDATE CONSTRAINT notifications_kind_check;
