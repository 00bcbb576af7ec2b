-- SLA policies (issue 19): targets per priority (and optionally ticket type), read and written
-- whole by the project's SLA policy grain. Tickets keep the policy they run under, the next-reply
-- cycle (the unanswered customer message, its due time and breach) and the waiting pause.
-- Additive: a silo of the previous release never reads the new columns, and every one of them
-- is null or has a constant default, so adding them rewrites no rows.
CREATE TABLE IF NOT EXISTS project_sla_policies (
    project_id  uuid PRIMARY KEY REFERENCES projects (id),
    policies    jsonb NOT NULL,
    updated_at  timestamptz NOT NULL
);

ALTER TABLE tickets ADD COLUMN IF NOT EXISTS sla_policy jsonb;
ALTER TABLE tickets ADD COLUMN IF NOT EXISTS next_reply_since timestamptz;
ALTER TABLE tickets ADD COLUMN IF NOT EXISTS next_reply_due_at timestamptz;
ALTER TABLE tickets ADD COLUMN IF NOT EXISTS next_reply_breached_at timestamptz;
ALTER TABLE tickets ADD COLUMN IF NOT EXISTS sla_paused_at timestamptz;
ALTER TABLE tickets ADD COLUMN IF NOT EXISTS sla_resolve_left interval;
ALTER TABLE tickets ADD COLUMN IF NOT EXISTS sla_paused_seconds bigint NOT NULL DEFAULT 0;

-- ?overdue=true also takes tickets whose next reply is due (open tickets only).
CREATE INDEX IF NOT EXISTS tickets_next_reply_due
    ON tickets (project_id, next_reply_due_at) WHERE closed_at IS NULL AND next_reply_due_at IS NOT NULL;

-- Next-reply breaches not yet recorded, across projects (the sweeper's backstop).
CREATE INDEX IF NOT EXISTS tickets_next_reply_unbreached
    ON tickets (next_reply_due_at) WHERE closed_at IS NULL AND next_reply_breached_at IS NULL AND next_reply_due_at IS NOT NULL;
