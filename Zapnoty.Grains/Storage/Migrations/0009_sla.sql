-- SLA: when each target was breached (recorded once, by the ticket's reminder or the
-- sweeper), and indexes for the overdue filter and for finding unrecorded breaches.

ALTER TABLE tickets ADD COLUMN IF NOT EXISTS first_reply_breached_at timestamptz;
ALTER TABLE tickets ADD COLUMN IF NOT EXISTS resolve_breached_at timestamptz;

-- ?overdue=true: (first reply due and none yet) OR (resolution due), both only while open.
CREATE INDEX IF NOT EXISTS tickets_first_reply_due
    ON tickets (project_id, first_reply_due_at) WHERE first_reply_at IS NULL AND closed_at IS NULL AND first_reply_due_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS tickets_resolve_due
    ON tickets (project_id, resolve_due_at) WHERE closed_at IS NULL AND resolve_due_at IS NOT NULL;

-- Breaches not yet recorded, across projects (the sweeper's backstop for lost reminders).
CREATE INDEX IF NOT EXISTS tickets_first_reply_unbreached
    ON tickets (first_reply_due_at) WHERE first_reply_at IS NULL AND closed_at IS NULL AND first_reply_breached_at IS NULL
                                        AND first_reply_due_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS tickets_resolve_unbreached
    ON tickets (resolve_due_at) WHERE closed_at IS NULL AND resolve_breached_at IS NULL AND resolve_due_at IS NOT NULL;
