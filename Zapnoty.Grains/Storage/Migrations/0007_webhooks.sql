-- ticket.* webhooks: the outbox of ticket events, the endpoints projects configure, one
-- delivery per (event, endpoint) written in the same transaction as the event, and the
-- log of every attempt.

CREATE TABLE IF NOT EXISTS ticket_events (
    seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,   -- order of events
    id           uuid NOT NULL UNIQUE,                              -- the webhook-id receivers see
    project_id   uuid NOT NULL REFERENCES projects (id),
    ticket_id    uuid NOT NULL REFERENCES tickets (id),
    message_id   uuid,                                              -- the reply a ticket.replied carries
    type         text NOT NULL,
    occurred_at  timestamptz NOT NULL,
    payload      jsonb NOT NULL                                     -- the "data" object of the body
);
CREATE INDEX IF NOT EXISTS ticket_events_ticket ON ticket_events (ticket_id, seq);

CREATE TABLE IF NOT EXISTS webhooks (
    id                    uuid PRIMARY KEY,
    project_id            uuid NOT NULL REFERENCES projects (id),
    url                   text NOT NULL,
    events                text[] NOT NULL,
    -- Signing needs the secret itself, not a hash. The previous one keeps signing for a
    -- while after a rotation, so receivers can switch without losing a delivery.
    secret                text NOT NULL,
    previous_secret       text,
    previous_secret_until timestamptz,
    created_at            timestamptz NOT NULL,
    disabled_at           timestamptz,
    disabled_reason       text,
    deleted_at            timestamptz
);
CREATE INDEX IF NOT EXISTS webhooks_project ON webhooks (project_id) WHERE deleted_at IS NULL;

CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id               uuid PRIMARY KEY,
    webhook_id       uuid NOT NULL REFERENCES webhooks (id),
    event_id         uuid NOT NULL REFERENCES ticket_events (id),
    event_seq        bigint NOT NULL,
    project_id       uuid NOT NULL REFERENCES projects (id),
    ticket_id        uuid NOT NULL,
    status           text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         int NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz,
    last_error       text,
    created_at       timestamptz NOT NULL,
    finished_at      timestamptz,
    CONSTRAINT webhook_deliveries_once UNIQUE (webhook_id, event_id)
);
-- The dispatcher's work: the earliest pending delivery of each ticket, per endpoint.
CREATE INDEX IF NOT EXISTS webhook_deliveries_pending
    ON webhook_deliveries (project_id, webhook_id, ticket_id, event_seq) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS webhook_deliveries_due
    ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS webhook_deliveries_log ON webhook_deliveries (webhook_id, created_at DESC, id);
CREATE INDEX IF NOT EXISTS webhook_deliveries_event ON webhook_deliveries (event_id);

CREATE TABLE IF NOT EXISTS webhook_attempts (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id   uuid NOT NULL REFERENCES webhook_deliveries (id),
    at            timestamptz NOT NULL,
    status_code   int,
    duration_ms   int NOT NULL,
    error         text,
    response_body text                                              -- the first 1 KB
);
CREATE INDEX IF NOT EXISTS webhook_attempts_delivery ON webhook_attempts (delivery_id, id);
