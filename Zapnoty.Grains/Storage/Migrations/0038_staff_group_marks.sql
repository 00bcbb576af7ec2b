-- What the Telegram staff group must remember across silo restarts (issue 21), one row a mark:
--   kind 'from_group'  mark = a ticket message id written from the group (a reply or a note):
--                      its event is not mirrored back into the topic it came from;
--   kind 'note_prompt' mark = '<chat id>:<message id>' of the bot's "reply here for a note" prompt:
--                      a reply to it is an internal note of ticket_id.
-- Both are needed only for a while (an event is mirrored within minutes, a prompt is answered
-- soon): rows older than a week are pruned as new ones are written.
CREATE TABLE IF NOT EXISTS staff_group_marks (
    project_id  uuid NOT NULL REFERENCES projects (id),
    kind        text NOT NULL CHECK (kind IN ('from_group', 'note_prompt')),
    mark        text NOT NULL,
    ticket_id   uuid,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (project_id, kind, mark)
);
CREATE INDEX IF NOT EXISTS staff_group_marks_age ON staff_group_marks (project_id, created_at);
