-- Business hours (issue 19): one calendar per project, read and written whole by the
-- project's calendar grain. Additive: a silo of the previous release never reads it.
CREATE TABLE IF NOT EXISTS project_calendars (
    project_id  uuid PRIMARY KEY REFERENCES projects (id),
    calendar    jsonb NOT NULL,
    updated_at  timestamptz NOT NULL
);
