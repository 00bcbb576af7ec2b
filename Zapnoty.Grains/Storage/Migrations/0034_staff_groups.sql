-- The Telegram staff group: a forum supergroup a project answers from, one topic per ticket.

-- A person's Telegram account, linked to their Zapnoty user by a one-time code they send in
-- the group (/link <code>). One Telegram account belongs to at most one user.
CREATE TABLE IF NOT EXISTS telegram_accounts (
    telegram_user_id  text PRIMARY KEY,
    user_id           uuid NOT NULL REFERENCES users (id),
    username          text,
    linked_at         timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS telegram_accounts_user ON telegram_accounts (user_id);

-- One-time codes (only their hash is kept). Sent in a group, the code links its sender's
-- Telegram account and names the group (sent_bot_id, sent_chat_id) an admin may then link.
CREATE TABLE IF NOT EXISTS telegram_link_codes (
    code_hash     text PRIMARY KEY,
    user_id       uuid NOT NULL REFERENCES users (id),
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    sent_bot_id   uuid REFERENCES bots (id),
    sent_chat_id  text,
    sent_title    text,
    used_at       timestamptz
);
CREATE INDEX IF NOT EXISTS telegram_link_codes_user ON telegram_link_codes (user_id);

-- The project's linked group; event_cursor is the last ticket event (project_seq) mirrored there.
CREATE TABLE IF NOT EXISTS staff_groups (
    project_id     uuid PRIMARY KEY REFERENCES projects (id),
    bot_id         uuid NOT NULL REFERENCES bots (id),
    chat_id        text NOT NULL,
    title          text,
    linked_by      uuid REFERENCES users (id),
    linked_at      timestamptz NOT NULL,
    event_cursor   bigint NOT NULL,
    broken_at      timestamptz,
    broken_reason  text
);

-- The forum topic of each ticket.
CREATE TABLE IF NOT EXISTS staff_topics (
    ticket_id   uuid PRIMARY KEY REFERENCES tickets (id),
    project_id  uuid NOT NULL REFERENCES projects (id),
    chat_id     text NOT NULL,
    thread_id   text NOT NULL,
    created_at  timestamptz NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS staff_topics_thread ON staff_topics (chat_id, thread_id);
