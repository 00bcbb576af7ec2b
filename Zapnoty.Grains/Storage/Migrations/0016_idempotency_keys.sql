-- Idempotency keys of ticket creations, agent replies and customer replies (issue 16): written in
-- the transaction of the write they name, so a repeat (a client's, or the API's own retry after a
-- silo left) finds the stored result instead of writing twice. Unique per project, never across
-- tenants. A key a client sent lives 24 h; one the API made up for a request without a key only
-- needs to outlive the API's retries, and lives 10 minutes (expires_at). Expired rows are ignored
-- by lookups, replaced by a new write with the same key, and deleted by IdempotencyKeySweeper.
CREATE TABLE IF NOT EXISTS idempotency_keys (
    project_id   uuid NOT NULL,          -- no foreign key: rows die within a day, and the write they name has one
    key          text NOT NULL,
    fingerprint  text NOT NULL,          -- SHA-256 of method, path and body (hex); '' for a key the API made up
    ticket_id    uuid NOT NULL,          -- the ticket created or written to
    message_id   uuid,                   -- the message a reply created (null for a ticket creation)
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    PRIMARY KEY (project_id, key)
);

CREATE INDEX IF NOT EXISTS idempotency_keys_expires_at ON idempotency_keys (expires_at);
