-- Files agents send to customers. The bytes live in PostgreSQL (stored_file_chunks, 1 MB
-- chunks of bytea: streamed in and out, never one huge value) or, when Zapnoty:Files:S3 is
-- configured, in an S3-compatible bucket (s3_key); the row is the same either way, so a
-- cluster never depends on one silo's disk. A file is uploaded before its reply commits:
-- attached_at stays null until the reply's own transaction attaches it, and files left
-- unattached (the reply was refused, the silo stopped) are deleted by the API or the sweeper.
-- Rolling upgrade: only new tables and a nullable column; an older silo ignores them.

CREATE TABLE IF NOT EXISTS stored_files (
    id            uuid PRIMARY KEY,
    project_id    uuid NOT NULL REFERENCES projects (id),
    name          text NOT NULL,
    content_type  text NOT NULL,
    size          bigint NOT NULL CHECK (size >= 0),      -- 0 only while it uploads
    backend       text NOT NULL CHECK (backend IN ('postgres', 's3')),
    s3_key        text,
    created_at    timestamptz NOT NULL,
    ticket_id     uuid,
    message_id    uuid,
    attached_at   timestamptz
);
CREATE INDEX IF NOT EXISTS stored_files_unattached ON stored_files (created_at) WHERE attached_at IS NULL;

CREATE TABLE IF NOT EXISTS stored_file_chunks (
    file_id  uuid NOT NULL REFERENCES stored_files (id) ON DELETE CASCADE,
    seq      int NOT NULL,
    data     bytea NOT NULL,
    PRIMARY KEY (file_id, seq)
);

-- An outbox row that carries a file: the attachment (with its stored file id) as JSON; the
-- row's text is then the caption ('' for none).
ALTER TABLE channel_outbox ADD COLUMN IF NOT EXISTS file jsonb;
