using Npgsql;
using NpgsqlTypes;
using Zapnoty.Grains.Audit;

namespace Zapnoty.Grains.Billing;

/// <summary>This month's credits as a project would spend them now.</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Billing.CreditBalance")]
public sealed record CreditBalance([property: Id(0)] DateOnly Month, [property: Id(1)] int FreeLeft, [property: Id(2)] int Purchased);

[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Billing.LedgerEntry")]
public sealed record LedgerEntry(
    [property: Id(0)] long Id,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] string Kind,
    [property: Id(3)] int Amount,
    [property: Id(4)] DateOnly Month,
    [property: Id(5)] int FreeAfter,
    [property: Id(6)] int PurchasedAfter,
    [property: Id(7)] Guid? TicketId,
    [property: Id(8)] Guid? MessageId,
    [property: Id(9)] string? Reference);

public sealed class BillingStore(NpgsqlDataSource dataSource)
{
    private const string LedgerColumns = "id, at, kind, amount, month, free_after, purchased_after, ticket_id, message_id, reference";

    /// <summary>
    /// The balance without writing anything: a month not yet touched shows its full free grant,
    /// which the first reply of the month will record.
    /// </summary>
    public async Task<CreditBalance> Balance(Guid projectId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var month = MonthOf(now);
        await using var command = dataSource.CreateCommand("SELECT month, free_left, purchased FROM credit_balances WHERE project_id = $1");
        command.Parameters.Add(new() { Value = projectId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return new CreditBalance(month, Credits.FreePerMonth, 0);
        var stored = reader.GetFieldValue<DateOnly>(0);
        return new CreditBalance(month, stored < month ? Credits.FreePerMonth : reader.GetInt32(1), reader.GetInt32(2));
    }

    public async Task<IReadOnlyList<LedgerEntry>> Ledger(Guid projectId, long? beforeId, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {LedgerColumns} FROM credit_ledger WHERE project_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3");
        command.Parameters.Add(new() { Value = projectId });
        command.Parameters.Add(new() { Value = beforeId ?? long.MaxValue });
        command.Parameters.Add(new() { Value = limit });
        var entries = new List<LedgerEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) entries.Add(Read(reader));
        return entries;
    }

    /// <summary>The purchase with this reference: made now, or the one made before (then <c>Repeated</c>).</summary>
    public async Task<(LedgerEntry Purchase, bool Repeated)> Purchase(Guid projectId, DateTimeOffset at, int credits, string reference,
        AuditEntry audit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        LedgerEntry purchase;
        await using (var command = new NpgsqlCommand($"SELECT {LedgerColumns} FROM purchase_credits($1, $2, $3, $4, $5)", connection, transaction))
        {
            command.Parameters.Add(new() { Value = projectId });
            command.Parameters.Add(new() { Value = at });
            command.Parameters.Add(new() { Value = credits });
            command.Parameters.Add(new() { Value = reference });
            command.Parameters.Add(new() { Value = Credits.FreePerMonth });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            purchase = Read(reader);
        }
        var repeated = purchase.At != at;
        if (!repeated)
        {
            await using var batch = new NpgsqlBatch(connection, transaction) { BatchCommands = { AuditWrites.Insert(projectId, audit) } };
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return (purchase, repeated);
    }

    public static DateOnly MonthOf(DateTimeOffset at) => new(at.UtcDateTime.Year, at.UtcDateTime.Month, 1);

    private static LedgerEntry Read(NpgsqlDataReader r) => new(
        r.GetInt64(0), r.GetFieldValue<DateTimeOffset>(1), r.GetString(2), r.GetInt32(3), r.GetFieldValue<DateOnly>(4), r.GetInt32(5), r.GetInt32(6),
        r.IsDBNull(7) ? null : r.GetGuid(7), r.IsDBNull(8) ? null : r.GetGuid(8), r.IsDBNull(9) ? null : r.GetString(9));
}
