-- Auto-assignment (issue 19): per project a mode and a cap of open tickets per agent, per agent
-- an available/away toggle and their place in the round-robin turn. Additive: a silo of the
-- previous release never reads these tables, and its writes to tickets need nothing from them.
-- The settings row is also the lock that serialises a project's auto-assignments in the
-- database (AssignmentWrites): `assignments` counts them and orders the turn.
-- no-transaction: CREATE INDEX CONCURRENTLY cannot run in a transaction; each statement is idempotent

CREATE TABLE IF NOT EXISTS assignment_settings (
    project_id          uuid PRIMARY KEY REFERENCES projects (id),
    mode                text NOT NULL CHECK (mode IN ('off', 'round_robin', 'least_open')),
    max_open_per_agent  int CHECK (max_open_per_agent BETWEEN 1 AND 1000),
    away_after_minutes  int CHECK (away_after_minutes > 0),
    assignments         bigint NOT NULL DEFAULT 0,
    updated_at          timestamptz NOT NULL
);

CREATE TABLE IF NOT EXISTS assignment_agents (
    project_id          uuid NOT NULL REFERENCES projects (id),
    user_id             uuid NOT NULL REFERENCES users (id),
    available           boolean NOT NULL DEFAULT true,
    last_assigned_seq   bigint,
    PRIMARY KEY (project_id, user_id)
);

-- A build interrupted (a silo killed mid-way) leaves an invalid index that IF NOT EXISTS would
-- then keep; drop such a leftover so the statement below builds it again.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                WHERE NOT i.indisvalid AND c.relname = 'tickets_open_by_assignee') THEN
        DROP INDEX IF EXISTS tickets_open_by_assignee;
    END IF;
END;
$$;

-- Open tickets by assignee: an agent's open count for the cap, and (assignee_id IS NULL) the
-- waiting tickets oldest first, without reading a project's closed history.
CREATE INDEX CONCURRENTLY IF NOT EXISTS tickets_open_by_assignee
    ON tickets (project_id, assignee_id, number) WHERE closed_at IS NULL;
