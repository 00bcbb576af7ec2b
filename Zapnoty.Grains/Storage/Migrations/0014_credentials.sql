-- Credentials (issue 15, findings 7, 18, 22): API keys get scopes, an optional expiry and a
-- last-used time; sessions get a last-seen time and where they were last seen from (shown to
-- their owner in the session list). Their absolute lifetime is computed from created_at.

-- Keys made before scopes acted as admin; they keep doing so (tickets:write + admin), so no
-- integration breaks on upgrade. The list shows the scopes, and owners are advised to replace
-- them with narrower keys. New keys always name their scopes (no default after this).
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS scopes text[] NOT NULL DEFAULT ARRAY['tickets:write', 'admin'];
ALTER TABLE api_keys ALTER COLUMN scopes DROP DEFAULT;
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS expires_at timestamptz;
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS last_used_at timestamptz;
-- Revoking the keys of a removed member, and the cap on active keys per project.
CREATE INDEX IF NOT EXISTS api_keys_creator ON api_keys (project_id, created_by) WHERE revoked_at IS NULL;

ALTER TABLE sessions ADD COLUMN IF NOT EXISTS last_seen_at timestamptz;
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS last_network text;
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS last_user_agent text;
