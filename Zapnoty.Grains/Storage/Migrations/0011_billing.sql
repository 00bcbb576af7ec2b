-- Credits: 100 free a calendar month (UTC), purchased credits on top, one credit per agent
-- reply debited in the reply's transaction. The ledger records grants, debits, purchases.

CREATE TABLE IF NOT EXISTS credit_balances (
    project_id                uuid PRIMARY KEY REFERENCES projects (id),
    month                     date NOT NULL,          -- the month free_left belongs to
    free_left                 int NOT NULL CHECK (free_left >= 0),
    purchased                 int NOT NULL CHECK (purchased >= 0),
    low_notified_month        date,                   -- billing.low_credits sent for this month
    exhausted_notified_month  date                    -- billing.credits_exhausted sent for this month
);

CREATE TABLE IF NOT EXISTS credit_ledger (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id       uuid NOT NULL REFERENCES projects (id),
    at               timestamptz NOT NULL,
    kind             text NOT NULL CHECK (kind IN ('monthly_grant', 'reply', 'purchase')),
    amount           int NOT NULL,
    month            date NOT NULL,
    free_after       int NOT NULL,
    purchased_after  int NOT NULL,
    ticket_id        uuid,
    message_id       uuid,
    reference        text
);
CREATE INDEX IF NOT EXISTS credit_ledger_project ON credit_ledger (project_id, id DESC);
CREATE UNIQUE INDEX IF NOT EXISTS credit_ledger_purchase_reference ON credit_ledger (project_id, reference) WHERE kind = 'purchase';

-- The balance row of a project for the month of `at`, locked, created or rolled over to that
-- month with its free grant (recorded once: the row lock serialises racing first replies).
CREATE OR REPLACE FUNCTION lock_credit_balance(project uuid, at timestamptz, free_per_month int) RETURNS credit_balances
LANGUAGE plpgsql AS $$
DECLARE
    this_month date := date_trunc('month', at AT TIME ZONE 'UTC')::date;
    created int;
    b credit_balances;
BEGIN
    INSERT INTO credit_balances (project_id, month, free_left, purchased) VALUES (project, this_month, free_per_month, 0)
    ON CONFLICT (project_id) DO NOTHING;
    GET DIAGNOSTICS created = ROW_COUNT;
    SELECT * INTO b FROM credit_balances WHERE project_id = project FOR UPDATE;
    IF created = 0 AND b.month < this_month THEN
        UPDATE credit_balances SET month = this_month, free_left = free_per_month WHERE project_id = project RETURNING * INTO b;
        created := 1;
    END IF;
    IF created = 1 THEN
        INSERT INTO credit_ledger (project_id, at, kind, amount, month, free_after, purchased_after)
        VALUES (project, at, 'monthly_grant', free_per_month, this_month, b.free_left, b.purchased);
    END IF;
    RETURN b;
END;
$$;

-- One credit for one stored reply: free first, then purchased. None left raises ZP002, which
-- rolls the reply back with it. Says which notices the month is due (balance hit 10 or 0).
CREATE OR REPLACE FUNCTION debit_reply_credit(project uuid, at timestamptz, ticket uuid, message uuid, free_per_month int)
RETURNS TABLE (free_left int, purchased int, month date, notify_low boolean, notify_exhausted boolean)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    b credit_balances := lock_credit_balance(project, at, free_per_month);
BEGIN
    IF b.free_left > 0 THEN
        b.free_left := b.free_left - 1;
    ELSIF b.purchased > 0 THEN
        b.purchased := b.purchased - 1;
    ELSE
        RAISE EXCEPTION 'project % has no credits left', project USING ERRCODE = 'ZP002';
    END IF;
    notify_low := b.free_left + b.purchased = 10 AND b.low_notified_month IS DISTINCT FROM b.month;
    notify_exhausted := b.free_left + b.purchased = 0 AND b.exhausted_notified_month IS DISTINCT FROM b.month;
    UPDATE credit_balances
       SET free_left = b.free_left, purchased = b.purchased,
           low_notified_month = CASE WHEN notify_low THEN b.month ELSE low_notified_month END,
           exhausted_notified_month = CASE WHEN notify_exhausted THEN b.month ELSE exhausted_notified_month END
     WHERE project_id = project;
    INSERT INTO credit_ledger (project_id, at, kind, amount, month, free_after, purchased_after, ticket_id, message_id)
    VALUES (project, at, 'reply', -1, b.month, b.free_left, b.purchased, ticket, message);
    free_left := b.free_left;
    purchased := b.purchased;
    month := b.month;
    RETURN NEXT;
END;
$$;

-- Billing events are about the project, not a ticket.
ALTER TABLE ticket_events ALTER COLUMN ticket_id DROP NOT NULL;
ALTER TABLE webhook_deliveries ALTER COLUMN ticket_id DROP NOT NULL;

-- Adds purchased credits once per reference: a repeated call returns the first purchase.
CREATE OR REPLACE FUNCTION purchase_credits(project uuid, at timestamptz, credits int, ref text, free_per_month int)
RETURNS SETOF credit_ledger
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    b credit_balances;
    earlier credit_ledger;
BEGIN
    SELECT * INTO earlier FROM credit_ledger WHERE project_id = project AND kind = 'purchase' AND reference = ref;
    IF FOUND THEN RETURN NEXT earlier; RETURN; END IF;
    b := lock_credit_balance(project, at, free_per_month);
    -- Holding the balance lock, a racing purchase with this reference has committed or not begun.
    SELECT * INTO earlier FROM credit_ledger WHERE project_id = project AND kind = 'purchase' AND reference = ref;
    IF FOUND THEN RETURN NEXT earlier; RETURN; END IF;
    UPDATE credit_balances SET purchased = purchased + credits WHERE project_id = project RETURNING * INTO b;
    RETURN QUERY
        INSERT INTO credit_ledger (project_id, at, kind, amount, month, free_after, purchased_after, reference)
        VALUES (project, at, 'purchase', credits, b.month, b.free_left, b.purchased, ref)
        RETURNING *;
END;
$$;
