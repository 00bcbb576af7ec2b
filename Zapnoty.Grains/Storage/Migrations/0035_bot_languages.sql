-- Bot texts per language (issue 21). Additive only (a new table, nullable columns, a column
-- with a default): a silo of the previous release neither reads nor writes them.

-- The language a project's bots speak when the customer's is not one they have texts in.
-- Existing projects keep English, the language their texts were written in until now.
ALTER TABLE projects ADD COLUMN IF NOT EXISTS bot_language text NOT NULL DEFAULT 'en';

-- A project's own texts and ticket type names in one language ({"greeting": "..."},
-- {"<type id>": "..."}); a key it has not set is the shipped text of that language.
CREATE TABLE IF NOT EXISTS bot_texts (
    project_id  uuid NOT NULL REFERENCES projects (id),
    language    text NOT NULL CHECK (language ~ '^[a-z]{2,3}$'),
    texts       jsonb NOT NULL DEFAULT '{}',
    type_names  jsonb NOT NULL DEFAULT '{}',
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (project_id, language)
);

-- The texts a project set before languages were English ones: they become its English texts.
-- DO NOTHING keeps a later change when this file runs again.
INSERT INTO bot_texts (project_id, language, texts, updated_at)
SELECT id, 'en', bot_texts, now() FROM projects WHERE bot_texts <> '{}'::jsonb
ON CONFLICT (project_id, language) DO NOTHING;

-- The customer's messenger language (Telegram language_code, Max user_locale), as the latest
-- update said: the survey a close sends is in it.
ALTER TABLE customers ADD COLUMN IF NOT EXISTS language text;

-- The language of an update as it arrived, beside its JSON (which silos of the previous
-- release read and which must keep its shape).
ALTER TABLE channel_updates ADD COLUMN IF NOT EXISTS language text;
