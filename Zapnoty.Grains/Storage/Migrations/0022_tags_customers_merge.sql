-- Tags per project and on tickets, notes about customers, merged tickets.
-- Additive only (new tables, nullable columns, indexes): a silo of the previous release
-- neither reads nor writes them, so a rolling upgrade runs both side by side.

CREATE TABLE IF NOT EXISTS tags (
    id           uuid PRIMARY KEY,
    project_id   uuid NOT NULL REFERENCES projects (id),
    name         text NOT NULL,
    color        text NOT NULL CHECK (color ~ '^#[0-9a-f]{6}$'),
    created_at   timestamptz NOT NULL,
    archived_at  timestamptz
);
-- Names are unique among a project's live tags, ignoring case; an archived name may be reused.
CREATE UNIQUE INDEX IF NOT EXISTS tags_active_name ON tags (project_id, lower(name)) WHERE archived_at IS NULL;
CREATE INDEX IF NOT EXISTS tags_project ON tags (project_id);

-- The ticket's number is copied here so the list filtered by a tag walks (tag_id, number DESC)
-- newest first and stops at the page's end, keyset-paginated like every other filter.
CREATE TABLE IF NOT EXISTS ticket_tags (
    ticket_id      uuid NOT NULL REFERENCES tickets (id),
    tag_id         uuid NOT NULL REFERENCES tags (id),
    ticket_number  bigint NOT NULL,
    PRIMARY KEY (ticket_id, tag_id)
);
CREATE INDEX IF NOT EXISTS ticket_tags_tag ON ticket_tags (tag_id, ticket_number DESC);

-- A ticket merged into another is closed and points at the one that took its conversation.
ALTER TABLE tickets ADD COLUMN IF NOT EXISTS merged_into uuid REFERENCES tickets (id);

-- What the team notes about a customer (shown beside their tickets).
ALTER TABLE customers ADD COLUMN IF NOT EXISTS notes text;
-- The customer directory: newest first, and searched by name, username or external id.
CREATE INDEX IF NOT EXISTS customers_project_created ON customers (project_id, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS customers_search_trgm ON customers
    USING gin ((coalesce(name, '') || ' ' || coalesce(username, '') || ' ' || external_id) gin_trgm_ops);

-- Tags a canned reply applies to the ticket it is sent on.
ALTER TABLE canned_replies ADD COLUMN IF NOT EXISTS tag_ids uuid[];
