namespace Zapnoty.Grains.Billing;

/// <summary>The kinds of credit ledger lines, as the <c>credit_ledger_kind_check</c> constraint (0012_payments.sql) allows them.</summary>
public static class LedgerKinds
{
    public const string MonthlyGrant = "monthly_grant";
    public const string Reply = "reply";
    public const string Purchase = "purchase";
    public const string Refund = "refund";
}
