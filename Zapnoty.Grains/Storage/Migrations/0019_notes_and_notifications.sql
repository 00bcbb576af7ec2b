-- Internal notes and @mentions (issue 18). A note is a ticket message marked internal: the
-- column has a default, so silos of the previous release keep inserting and reading messages
-- during a rolling upgrade (their messages are replies and customer messages, never notes).
ALTER TABLE ticket_messages ADD COLUMN IF NOT EXISTS internal boolean NOT NULL DEFAULT false;

-- One row per person told about something: a mention in a note or an assignment. Written in
-- the transaction of the note or the assignment itself, so a notification exists exactly when
-- its cause does. Shown only while the person is still a member of the project (checked when
-- read: a removed member's rows stay, unseen). emailed_at marks the rows an email covered.
CREATE TABLE IF NOT EXISTS notifications (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id),
    project_id  uuid NOT NULL REFERENCES projects (id),
    ticket_id   uuid NOT NULL REFERENCES tickets (id),
    message_id  uuid REFERENCES ticket_messages (id),
    kind        text NOT NULL CHECK (kind IN ('mention', 'assigned')),
    actor_kind  text NOT NULL,
    actor_id    uuid,                    -- the user or API key; null for the system
    created_at  timestamptz NOT NULL,
    read_at     timestamptz,
    emailed_at  timestamptz
);
-- The bell's list, newest first, and its unread count.
CREATE INDEX IF NOT EXISTS notifications_user ON notifications (user_id, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS notifications_user_unread ON notifications (user_id) WHERE read_at IS NULL;
