-- Max dialogs and the delivery of each file of a reply.

-- A messenger's own chat id of a customer's dialog, where chat actions ("typing…") go. Max
-- sends messages by user id (our chat id of the customer) but takes actions only on the
-- dialog's chat id, which its updates carry; Telegram needs no row (its chat id is the dialog).
CREATE TABLE IF NOT EXISTS channel_dialogs (
    bot_id          uuid NOT NULL REFERENCES bots (id),
    chat_id         text NOT NULL,
    dialog_chat_id  text NOT NULL,
    updated_at      timestamptz NOT NULL,
    PRIMARY KEY (bot_id, chat_id)
);

-- Each file of an agent's reply goes in its own outbox row, so each has its own delivery: the
-- states of a reply's files by stored file id ({"<id>": {"status", "error"}}), written with the
-- reply's outcome. A new nullable column: a silo of the previous release neither reads nor writes it.
ALTER TABLE ticket_messages ADD COLUMN IF NOT EXISTS file_deliveries jsonb;
-- A reply's outbox rows, found by its message (delivery checks, the files' states).
CREATE INDEX IF NOT EXISTS channel_outbox_message ON channel_outbox (message_id) WHERE message_id IS NOT NULL;
