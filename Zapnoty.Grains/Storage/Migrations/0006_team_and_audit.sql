-- The team beyond the owner: invitations, ownership transfer with an emailed code, the audit
-- log, and soft deletion of projects.

ALTER TABLE projects ADD COLUMN IF NOT EXISTS deleted_at timestamptz;

-- One active membership per person and project (the email index already covers invites).
CREATE UNIQUE INDEX IF NOT EXISTS members_active_user
    ON members (project_id, user_id) WHERE removed_at IS NULL AND user_id IS NOT NULL;
-- Invitations waiting for their person's first login.
CREATE INDEX IF NOT EXISTS members_pending_email
    ON members (email) WHERE user_id IS NULL AND removed_at IS NULL;

-- One pending transfer per project: a new request replaces the previous one.
CREATE TABLE IF NOT EXISTS ownership_transfers (
    project_id    uuid PRIMARY KEY REFERENCES projects (id),
    to_member_id  uuid NOT NULL REFERENCES members (id),
    requested_by  uuid NOT NULL REFERENCES users (id),
    code_hash     bytea NOT NULL,
    attempts      int NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    used_at       timestamptz          -- confirmed, or burned by too many wrong codes
);

CREATE TABLE IF NOT EXISTS audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id  uuid NOT NULL REFERENCES projects (id),
    at          timestamptz NOT NULL,
    actor_kind  text NOT NULL CHECK (actor_kind IN ('user', 'api_key', 'customer', 'system')),
    actor_id    text,
    action      text NOT NULL,
    target_id   text,
    details     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS audit_log_project ON audit_log (project_id, id DESC);
