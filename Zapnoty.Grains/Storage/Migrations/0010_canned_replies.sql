-- Canned replies: templates shared by the whole team of a project. The project grain is their
-- single writer and holds them in memory; this table is their record. A deleted one is gone
-- (its title and text stay in the audit log); replies sent from it keep their own text.

CREATE TABLE IF NOT EXISTS canned_replies (
    id          uuid PRIMARY KEY,
    project_id  uuid NOT NULL REFERENCES projects (id),
    title       text NOT NULL,
    text        text NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS canned_replies_project ON canned_replies (project_id);
