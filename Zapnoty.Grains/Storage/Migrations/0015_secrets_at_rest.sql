-- Secrets at rest: the ASP.NET Core Data Protection key ring, shared by every silo. Each row
-- is one key's XML, itself encrypted with the master key from configuration
-- (Zapnoty:DataProtection:Key). Bot tokens and webhook signing secrets are stored encrypted
-- with these keys ("dp1:" prefix); bot webhook secrets only as a SHA-256 hash ("sha256:").
-- Rows written before this migration are converted by the silos at start (SecretsAtRest).

CREATE TABLE IF NOT EXISTS data_protection_keys (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    friendly_name  text NOT NULL,         -- "key-{id}" or "revocation-{time}", as Data Protection names them
    xml            text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);

COMMENT ON COLUMN bots.token IS 'Data Protection ciphertext (dp1:...); emptied when the bot is disconnected';
COMMENT ON COLUMN bots.webhook_secret IS 'sha256:<hex> of the secret the messenger echoes; the secret itself is not kept';
COMMENT ON COLUMN webhooks.secret IS 'Data Protection ciphertext (dp1:...) of the signing secret';
