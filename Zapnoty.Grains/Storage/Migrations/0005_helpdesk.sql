-- Helpdesk tables: the system of record for everything that is queried or audited.
-- Grains are the single writers; the API reads lists straight from these tables.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE IF NOT EXISTS users (
    id          uuid PRIMARY KEY,
    email       text NOT NULL,              -- stored lower-cased
    name        text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_email_unique UNIQUE (email)
);

-- One pending code per email: a new request replaces the previous one.
CREATE TABLE IF NOT EXISTS login_codes (
    email       text PRIMARY KEY,
    code_hash   bytea NOT NULL,
    attempts    int NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL
);

CREATE TABLE IF NOT EXISTS sessions (
    id            uuid PRIMARY KEY,
    token_hash    bytea NOT NULL,
    user_id       uuid NOT NULL REFERENCES users (id),
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    revoked_at    timestamptz,
    CONSTRAINT sessions_token_hash_unique UNIQUE (token_hash)
);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions (user_id);

CREATE TABLE IF NOT EXISTS projects (
    id                      uuid PRIMARY KEY,
    name                    text NOT NULL,
    slug                    text NOT NULL,
    -- The number the next ticket of this project gets; advanced in the same
    -- transaction that inserts the ticket, so numbers have no gaps.
    next_ticket_number      bigint NOT NULL DEFAULT 1,
    sla_first_reply_hours   numeric(9, 4) CHECK (sla_first_reply_hours > 0),
    sla_resolve_hours       numeric(9, 4) CHECK (sla_resolve_hours > 0),
    created_at              timestamptz NOT NULL,
    updated_at              timestamptz NOT NULL,
    CONSTRAINT projects_slug_unique UNIQUE (slug)
);

CREATE TABLE IF NOT EXISTS members (
    id          uuid PRIMARY KEY,
    project_id  uuid NOT NULL REFERENCES projects (id),
    user_id     uuid REFERENCES users (id),  -- null until an invited person first logs in
    email       text NOT NULL,
    role        text NOT NULL CHECK (role IN ('owner', 'admin', 'support', 'viewer')),
    added_at    timestamptz NOT NULL,
    removed_at  timestamptz
);
CREATE UNIQUE INDEX IF NOT EXISTS members_active_email
    ON members (project_id, email) WHERE removed_at IS NULL;
CREATE INDEX IF NOT EXISTS members_user ON members (user_id) WHERE removed_at IS NULL;

CREATE TABLE IF NOT EXISTS api_keys (
    id          uuid PRIMARY KEY,
    project_id  uuid NOT NULL REFERENCES projects (id),
    name        text NOT NULL,
    key_hash    bytea NOT NULL,
    key_prefix  text NOT NULL,              -- first characters, to recognise a key in lists
    created_by  uuid REFERENCES users (id),
    created_at  timestamptz NOT NULL,
    revoked_at  timestamptz,
    CONSTRAINT api_keys_hash_unique UNIQUE (key_hash)
);
CREATE INDEX IF NOT EXISTS api_keys_project ON api_keys (project_id);

CREATE TABLE IF NOT EXISTS ticket_types (
    id           uuid PRIMARY KEY,
    project_id   uuid NOT NULL REFERENCES projects (id),
    name         text NOT NULL,
    position     int NOT NULL,
    created_at   timestamptz NOT NULL,
    archived_at  timestamptz
);
CREATE UNIQUE INDEX IF NOT EXISTS ticket_types_active_name
    ON ticket_types (project_id, lower(name)) WHERE archived_at IS NULL;

CREATE TABLE IF NOT EXISTS customers (
    id           uuid PRIMARY KEY,
    project_id   uuid NOT NULL REFERENCES projects (id),
    channel      text NOT NULL CHECK (channel IN ('telegram', 'max', 'api')),
    external_id  text NOT NULL,
    name         text,
    email        text,
    username     text,
    created_at   timestamptz NOT NULL,
    CONSTRAINT customers_identity UNIQUE (project_id, channel, external_id)
);

CREATE TABLE IF NOT EXISTS tickets (
    id                   uuid PRIMARY KEY,
    project_id           uuid NOT NULL REFERENCES projects (id),
    number               bigint NOT NULL,
    subject              text NOT NULL,
    status               text NOT NULL CHECK (status IN ('new', 'in_progress', 'waiting', 'closed')),
    priority             text NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    type_id              uuid REFERENCES ticket_types (id),
    assignee_id          uuid REFERENCES users (id),
    channel              text NOT NULL CHECK (channel IN ('telegram', 'max', 'api')),
    customer_id          uuid NOT NULL REFERENCES customers (id),
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL,
    first_reply_at       timestamptz,
    closed_at            timestamptz,
    first_reply_due_at   timestamptz,
    resolve_due_at       timestamptz,
    -- Optimistic concurrency: every write is "... WHERE version = $expected".
    version              int NOT NULL DEFAULT 1,
    CONSTRAINT tickets_number_unique UNIQUE (project_id, number)
);
-- The list is newest first (number descending) within a project; one index per filter.
CREATE INDEX IF NOT EXISTS tickets_status   ON tickets (project_id, status, number DESC);
CREATE INDEX IF NOT EXISTS tickets_priority ON tickets (project_id, priority, number DESC);
CREATE INDEX IF NOT EXISTS tickets_type     ON tickets (project_id, type_id, number DESC);
CREATE INDEX IF NOT EXISTS tickets_assignee ON tickets (project_id, assignee_id, number DESC);
CREATE INDEX IF NOT EXISTS tickets_customer ON tickets (customer_id, number DESC);
CREATE INDEX IF NOT EXISTS tickets_subject_trgm ON tickets USING gin (subject gin_trgm_ops);

CREATE TABLE IF NOT EXISTS ticket_messages (
    id              uuid PRIMARY KEY,
    ticket_id       uuid NOT NULL REFERENCES tickets (id),
    project_id      uuid NOT NULL REFERENCES projects (id),
    seq             bigint GENERATED ALWAYS AS IDENTITY,
    author          text NOT NULL CHECK (author IN ('customer', 'agent', 'system')),
    agent_id        uuid,                     -- user or API key that wrote an agent reply
    text            text NOT NULL,
    created_at      timestamptz NOT NULL,
    delivery        text NOT NULL CHECK (delivery IN ('pending', 'delivered', 'failed', 'webhook')),
    delivery_error  text
);
CREATE INDEX IF NOT EXISTS ticket_messages_ticket ON ticket_messages (ticket_id, seq);
CREATE INDEX IF NOT EXISTS ticket_messages_text_trgm ON ticket_messages USING gin (text gin_trgm_ops);

CREATE TABLE IF NOT EXISTS ticket_history (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id   uuid NOT NULL REFERENCES tickets (id),
    at          timestamptz NOT NULL,
    actor_kind  text NOT NULL CHECK (actor_kind IN ('user', 'api_key', 'customer', 'system')),
    actor_id    text,
    field       text NOT NULL,
    from_value  text,
    to_value    text
);
CREATE INDEX IF NOT EXISTS ticket_history_ticket ON ticket_history (ticket_id, id);
