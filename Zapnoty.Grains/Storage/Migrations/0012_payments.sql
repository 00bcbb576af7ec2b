-- Payments for credits: one row per checkout started at a provider (Stripe Checkout, YooKassa).
-- Credits are granted only by the provider's verified notification, in the transaction that
-- moves the row from pending to succeeded (the row lock makes a repeated or concurrent
-- notification find it succeeded and grant nothing). Refunds and chargebacks take credits
-- back, so purchased credits (and the balance) may now go below zero.

CREATE TABLE IF NOT EXISTS payments (
    id                   uuid PRIMARY KEY,                -- ours: the checkout's payment_id, the provider's idempotency key
    project_id           uuid NOT NULL REFERENCES projects (id),
    provider             text NOT NULL CHECK (provider IN ('stripe', 'yookassa')),
    provider_payment_id  text,                            -- Stripe Checkout Session id / YooKassa payment id (set once created there)
    provider_charge_id   text,                            -- Stripe PaymentIntent id (refunds and disputes name it), once paid
    pack_id              text NOT NULL,
    credits              int NOT NULL CHECK (credits > 0),
    amount_minor         bigint NOT NULL CHECK (amount_minor > 0),
    currency             text NOT NULL,
    status               text NOT NULL CHECK (status IN ('pending', 'succeeded', 'canceled', 'refunded')),
    credits_taken_back   int NOT NULL DEFAULT 0 CHECK (credits_taken_back BETWEEN 0 AND credits),
    checkout_url         text,
    created_by           text,
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS payments_provider_payment ON payments (provider, provider_payment_id);
CREATE UNIQUE INDEX IF NOT EXISTS payments_provider_charge ON payments (provider, provider_charge_id);
CREATE INDEX IF NOT EXISTS payments_project ON payments (project_id, created_at DESC);

-- A refund or chargeback may take back credits already spent: the purchased balance goes negative.
ALTER TABLE credit_balances DROP CONSTRAINT IF EXISTS credit_balances_purchased_check;

ALTER TABLE credit_ledger DROP CONSTRAINT IF EXISTS credit_ledger_kind_check;
ALTER TABLE credit_ledger ADD CONSTRAINT credit_ledger_kind_check CHECK (kind IN ('monthly_grant', 'reply', 'purchase', 'refund'));

-- As in 0011, except that a reply needs a positive balance (free + purchased): a debt left by a
-- refund is paid off by later credits, free ones included, before replies go out again.
CREATE OR REPLACE FUNCTION debit_reply_credit(project uuid, at timestamptz, ticket uuid, message uuid, free_per_month int)
RETURNS TABLE (free_left int, purchased int, month date, notify_low boolean, notify_exhausted boolean)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    b credit_balances := lock_credit_balance(project, at, free_per_month);
BEGIN
    IF b.free_left + b.purchased <= 0 THEN
        RAISE EXCEPTION 'project % has no credits left', project USING ERRCODE = 'ZP002';
    ELSIF b.free_left > 0 THEN
        b.free_left := b.free_left - 1;
    ELSE
        b.purchased := b.purchased - 1;
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

-- Takes purchased credits back (a refund or chargeback); the caller holds the payment's row lock,
-- which is what makes this happen once per refunded amount.
CREATE OR REPLACE FUNCTION take_back_credits(project uuid, at timestamptz, credits int, ref text, free_per_month int)
RETURNS SETOF credit_ledger
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    b credit_balances := lock_credit_balance(project, at, free_per_month);
BEGIN
    UPDATE credit_balances SET purchased = purchased - credits WHERE project_id = project RETURNING * INTO b;
    RETURN QUERY
        INSERT INTO credit_ledger (project_id, at, kind, amount, month, free_after, purchased_after, reference)
        VALUES (project, at, 'refund', -credits, b.month, b.free_left, b.purchased, ref)
        RETURNING *;
END;
$$;
