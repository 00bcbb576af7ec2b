-- Login codes per (address, network): a stranger's request no longer replaces the code a person
-- asked for. Codes live 10 minutes, so the ones pending at upgrade simply keep working.
ALTER TABLE login_codes ADD COLUMN IF NOT EXISTS network text NOT NULL DEFAULT '';
ALTER TABLE login_codes DROP CONSTRAINT IF EXISTS login_codes_pkey;
ALTER TABLE login_codes ADD CONSTRAINT login_codes_pkey PRIMARY KEY (email, network);

-- Wrong login codes per (address, network) in a window, across codes.
CREATE TABLE IF NOT EXISTS login_failures (
    email              text NOT NULL,
    network            text NOT NULL,
    failures           int NOT NULL,
    window_started_at  timestamptz NOT NULL,
    last_failed_at     timestamptz NOT NULL,
    PRIMARY KEY (email, network)
);

-- Networks an address logged in from: strangers' requests and wrong codes never lock these out.
CREATE TABLE IF NOT EXISTS login_networks (
    email          text NOT NULL,
    network        text NOT NULL,
    last_login_at  timestamptz NOT NULL,
    PRIMARY KEY (email, network)
);

-- Ownership transfers: requests per hour and wrong codes per day, kept across new codes.
ALTER TABLE ownership_transfers ADD COLUMN IF NOT EXISTS requests int NOT NULL DEFAULT 0;
ALTER TABLE ownership_transfers ADD COLUMN IF NOT EXISTS requests_since timestamptz;
ALTER TABLE ownership_transfers ADD COLUMN IF NOT EXISTS failures int NOT NULL DEFAULT 0;
ALTER TABLE ownership_transfers ADD COLUMN IF NOT EXISTS failures_since timestamptz;

-- Invitations a person sent in the last hour, across their projects.
CREATE INDEX IF NOT EXISTS audit_log_invitations_by_user ON audit_log (actor_id, at)
    WHERE action = 'member.added' AND actor_kind = 'user';
