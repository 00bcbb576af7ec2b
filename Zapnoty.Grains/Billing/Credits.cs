using System.Text.Json;
using Npgsql;
using Zapnoty.Grains.Webhooks;

namespace Zapnoty.Grains.Billing;

public static class BillingEventTypes
{
    public const string LowCredits = "billing.low_credits";
    public const string CreditsExhausted = "billing.credits_exhausted";

    public static readonly IReadOnlyList<string> Every = [LowCredits, CreditsExhausted];
}

public static class Credits
{
    /// <summary>Free credits every calendar month (UTC), not carried over.</summary>
    public const int FreePerMonth = 100;

    /// <summary>The balance at which <c>billing.low_credits</c> goes out.</summary>
    public const int LowMark = 10;

    /// <summary>SQLSTATE raised by <c>debit_reply_credit</c> when nothing is left.</summary>
    public const string NoneLeft = "ZP002";

    public static bool IsOutOfCredits(Exception e) => e is PostgresException { SqlState: NoneLeft };

    public static DomainException OutOfCredits() => new(DomainErrorKind.PaymentRequired,
        $"The project has used its {FreePerMonth} free credits of this month and has no purchased credits left (or owes credits after a refund), so the reply was not stored or sent. " +
        "The owner can buy credits (POST /v1/projects/{projectId}/billing/checkout); free credits return on the 1st of next month.");

    /// <summary>Debits one credit for a reply; must run in the reply's transaction. Returns one row (see <see cref="DebitResult"/>).</summary>
    public static NpgsqlBatchCommand DebitReply(Guid projectId, DateTimeOffset at, Guid ticketId, Guid messageId) =>
        new("SELECT free_left, purchased, month, notify_low, notify_exhausted FROM debit_reply_credit($1, $2, $3, $4, $5)")
        {
            Parameters =
            {
                new() { Value = projectId }, new() { Value = at }, new() { Value = ticketId }, new() { Value = messageId }, new() { Value = FreePerMonth },
            },
        };

    public static DebitResult ReadDebit(NpgsqlDataReader reader) =>
        new(reader.GetInt32(0), reader.GetInt32(1), reader.GetFieldValue<DateOnly>(2), reader.GetBoolean(3), reader.GetBoolean(4));

    /// <summary>The notices a debit made due, as outbox events of the project.</summary>
    public static IReadOnlyList<TicketEvent> Notices(Guid projectId, DebitResult debit, DateTimeOffset at)
    {
        var data = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["project_id"] = projectId,
            ["month"] = debit.Month.ToString("yyyy-MM"),
            ["free_credits_left"] = debit.FreeLeft,
            ["purchased_credits"] = debit.Purchased,
        }, WireJson.Options);
        var notices = new List<TicketEvent>();
        if (debit.NotifyLow) notices.Add(new TicketEvent(Guid.NewGuid(), null, BillingEventTypes.LowCredits, at, null, data));
        if (debit.NotifyExhausted) notices.Add(new TicketEvent(Guid.NewGuid(), null, BillingEventTypes.CreditsExhausted, at, null, data));
        return notices;
    }
}

/// <summary>The balance after a debit, and whether this month's low/exhausted notice is due now.</summary>
public sealed record DebitResult(int FreeLeft, int Purchased, DateOnly Month, bool NotifyLow, bool NotifyExhausted);
