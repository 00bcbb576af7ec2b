-- Messenger channels: bots connected to projects, the inbox of their updates (each applied
-- exactly once, in the transaction of its effect), the bot dialog per chat, and the
-- outbox of messages to send to chats.

CREATE TABLE IF NOT EXISTS bots (
    id               uuid PRIMARY KEY,
    project_id       uuid NOT NULL REFERENCES projects (id),
    channel          text NOT NULL CHECK (channel IN ('telegram', 'max')),
    external_id      text NOT NULL,       -- the messenger's id of the bot
    username         text NOT NULL,
    token            text NOT NULL,       -- needed to call the Bot API; no route ever returns it
    webhook_secret   text NOT NULL,
    connected_at     timestamptz NOT NULL,
    disconnected_at  timestamptz
);
-- One bot serves one project, and a project has one bot per messenger.
CREATE UNIQUE INDEX IF NOT EXISTS bots_live_external ON bots (channel, external_id) WHERE disconnected_at IS NULL;
CREATE UNIQUE INDEX IF NOT EXISTS bots_live_project ON bots (project_id, channel) WHERE disconnected_at IS NULL;

CREATE TABLE IF NOT EXISTS channel_updates (
    bot_id        uuid NOT NULL REFERENCES bots (id),
    update_key    text NOT NULL,
    chat_id       text NOT NULL,
    payload       jsonb NOT NULL,         -- the normalised update
    received_at   timestamptz NOT NULL,
    processed_at  timestamptz,
    PRIMARY KEY (bot_id, update_key)
);
CREATE INDEX IF NOT EXISTS channel_updates_waiting ON channel_updates (bot_id, chat_id, received_at) WHERE processed_at IS NULL;

-- Marks an update applied, inside the transaction that applies it. A second attempt raises
-- ZP001, which rolls back the duplicate effect with it.
CREATE OR REPLACE FUNCTION claim_channel_update(bot uuid, key text, at timestamptz) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE channel_updates SET processed_at = at WHERE bot_id = bot AND update_key = key AND processed_at IS NULL;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'update % of bot % was already applied', key, bot USING ERRCODE = 'ZP001';
    END IF;
END;
$$;

CREATE TABLE IF NOT EXISTS conversations (
    bot_id             uuid NOT NULL REFERENCES bots (id),
    chat_id            text NOT NULL,
    project_id         uuid NOT NULL REFERENCES projects (id),
    step               text NOT NULL CHECK (step IN ('idle', 'describing', 'choosing_type')),
    draft              jsonb,             -- the description waiting for its ticket type
    current_ticket_id  uuid REFERENCES tickets (id),
    updated_at         timestamptz NOT NULL,
    PRIMARY KEY (bot_id, chat_id)
);

CREATE TABLE IF NOT EXISTS channel_outbox (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,   -- order per chat
    bot_id           uuid NOT NULL REFERENCES bots (id),
    chat_id          text NOT NULL,
    text             text NOT NULL,
    buttons          jsonb,
    message_id       uuid,                -- the agent reply it carries, if any
    ticket_id        uuid,
    status           text NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts         int NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL,
    last_error       text,
    created_at       timestamptz NOT NULL,
    finished_at      timestamptz
);
CREATE INDEX IF NOT EXISTS channel_outbox_open ON channel_outbox (bot_id, chat_id, id) WHERE status IN ('pending', 'sending');
CREATE INDEX IF NOT EXISTS channel_outbox_due ON channel_outbox (next_attempt_at) WHERE status = 'pending';

-- Where a messenger ticket's replies go.
ALTER TABLE tickets ADD COLUMN IF NOT EXISTS bot_id uuid REFERENCES bots (id);
ALTER TABLE tickets ADD COLUMN IF NOT EXISTS chat_id text;

ALTER TABLE ticket_messages ADD COLUMN IF NOT EXISTS attachments jsonb NOT NULL DEFAULT '[]';
ALTER TABLE ticket_messages ADD COLUMN IF NOT EXISTS channel_message_id text;
ALTER TABLE ticket_messages ADD COLUMN IF NOT EXISTS edited_at timestamptz;
CREATE INDEX IF NOT EXISTS ticket_messages_channel ON ticket_messages (ticket_id, channel_message_id) WHERE channel_message_id IS NOT NULL;

CREATE TABLE IF NOT EXISTS ticket_message_edits (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id     uuid NOT NULL REFERENCES ticket_messages (id),
    edited_at      timestamptz NOT NULL,
    previous_text  text NOT NULL
);

ALTER TABLE customers ADD COLUMN IF NOT EXISTS unreachable_reason text;
ALTER TABLE customers ADD COLUMN IF NOT EXISTS unreachable_at timestamptz;

-- What the bots say, per project; missing keys use the defaults.
ALTER TABLE projects ADD COLUMN IF NOT EXISTS bot_texts jsonb NOT NULL DEFAULT '{}';
