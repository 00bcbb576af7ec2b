-- CSAT (issue 19): the customer's rating lives on the ticket row, where the reports read it,
-- and each project's survey texts in their own table. Additive only (nullable columns, a new
-- table, an index): a silo of the previous release neither reads nor writes them.

-- When the current survey went out (set by a close, cleared by a reopen), the latest answer
-- to one (score 1..5, optional comment, when), and until when the chat's next message is
-- taken as the comment.
ALTER TABLE tickets ADD COLUMN IF NOT EXISTS csat_requested_at timestamptz;
ALTER TABLE tickets ADD COLUMN IF NOT EXISTS csat_score smallint CHECK (csat_score BETWEEN 1 AND 5);
ALTER TABLE tickets ADD COLUMN IF NOT EXISTS csat_comment text;
ALTER TABLE tickets ADD COLUMN IF NOT EXISTS csat_at timestamptz;
ALTER TABLE tickets ADD COLUMN IF NOT EXISTS csat_comment_until timestamptz;

-- Reports over a period read only the rated tickets of the project.
CREATE INDEX IF NOT EXISTS tickets_csat_at ON tickets (project_id, csat_at) WHERE csat_at IS NOT NULL;

CREATE TABLE IF NOT EXISTS csat_settings (
    project_id           uuid PRIMARY KEY REFERENCES projects (id),
    enabled              boolean NOT NULL,
    question_text        text NOT NULL,
    thanks_text          text NOT NULL,
    comment_prompt_text  text,
    updated_at           timestamptz NOT NULL
);
