using Npgsql;
using NpgsqlTypes;
using Zapnoty.Grains.Audit;

namespace Zapnoty.Grains.Billing.Payments;

public static class PaymentStatus
{
    public const string Pending = "pending";
    public const string Succeeded = "succeeded";
    public const string Canceled = "canceled";
    public const string Refunded = "refunded";
}

/// <summary>A checkout started at a provider, and what became of it.</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Billing.Payments.Payment")]
public sealed record Payment(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid ProjectId,
    [property: Id(2)] string Provider,
    [property: Id(3)] string? ProviderPaymentId,
    [property: Id(4)] string? ChargeId,
    [property: Id(5)] string PackId,
    [property: Id(6)] int Credits,
    [property: Id(7)] long AmountMinor,
    [property: Id(8)] string Currency,
    [property: Id(9)] string Status,
    [property: Id(10)] int CreditsTakenBack,
    [property: Id(11)] string? CheckoutUrl,
    [property: Id(12)] DateTimeOffset CreatedAt,
    [property: Id(13)] DateTimeOffset UpdatedAt)
{
    /// <summary>The ledger's reference for this payment's credits: the provider and its id.</summary>
    public string Reference => $"{Provider}:{ProviderPaymentId ?? Id.ToString()}";
}

/// <summary>
/// The <c>payments</c> table. Every change of a payment runs in one transaction holding the
/// payment's row lock, with its ledger entry and audit row: a notification repeated, or
/// delivered to two silos at once, waits for the first and then finds nothing left to do.
/// </summary>
public sealed class PaymentStore(NpgsqlDataSource dataSource)
{
    private const string Columns = """
        id, project_id, provider, provider_payment_id, provider_charge_id, pack_id, credits, amount_minor, currency, status,
        credits_taken_back, checkout_url, created_at, updated_at
        """;

    public async Task Start(Payment payment, AuditEntry audit, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"""
            INSERT INTO payments (id, project_id, provider, pack_id, credits, amount_minor, currency, status, created_by, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
            """)
        {
            Parameters =
            {
                new() { Value = payment.Id }, new() { Value = payment.ProjectId }, new() { Value = payment.Provider }, new() { Value = payment.PackId },
                new() { Value = payment.Credits }, new() { Value = payment.AmountMinor }, new() { Value = payment.Currency }, new() { Value = payment.Status },
                new() { Value = (object?)audit.Actor.Id ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text }, new() { Value = payment.CreatedAt },
            },
        });
        batch.BatchCommands.Add(AuditWrites.Insert(payment.ProjectId, audit));
        // A batch runs as one implicit transaction.
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The provider created its side: its id and the checkout page.</summary>
    public async Task Opened(Guid id, string providerPaymentId, string checkoutUrl, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE payments SET provider_payment_id = $2, checkout_url = $3, updated_at = $4 WHERE id = $1 AND status = 'pending'");
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = providerPaymentId });
        command.Parameters.Add(new() { Value = checkoutUrl });
        command.Parameters.Add(new() { Value = at });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public Task<Payment?> Find(Guid projectId, Guid id, CancellationToken cancellationToken) =>
        FindWhere("project_id = $1 AND id = $2", projectId, id, cancellationToken);

    public Task<Payment?> Find(string provider, string providerPaymentId, CancellationToken cancellationToken) =>
        FindWhere("provider = $1 AND provider_payment_id = $2", provider, providerPaymentId, cancellationToken);

    /// <summary>By the provider's payment id, or (Stripe refunds and disputes) by its charge.</summary>
    public Task<Payment?> Find(PaymentNotice notice, CancellationToken cancellationToken) =>
        notice.ProviderPaymentId is { } paymentId ? Find(notice.Provider, paymentId, cancellationToken)
        : notice.ChargeId is { } chargeId ? FindWhere("provider = $1 AND provider_charge_id = $2", notice.Provider, chargeId, cancellationToken)
        : Task.FromResult<Payment?>(null);

    /// <summary>
    /// Grants the payment's credits if it has not been paid before (pending, or cancelled and
    /// paid after all): true when this call granted them.
    /// </summary>
    public Task<bool> Grant(Guid id, DateTimeOffset at, string? chargeId, Func<Payment, AuditEntry> audit, CancellationToken cancellationToken) =>
        Locked(id, async (payment, connection, transaction) =>
        {
            if (payment.Status is not (PaymentStatus.Pending or PaymentStatus.Canceled)) return false;
            await using var batch = new NpgsqlBatch(connection, transaction)
            {
                BatchCommands =
                {
                    new NpgsqlBatchCommand("SELECT id FROM purchase_credits($1, $2, $3, $4, $5)")
                    {
                        Parameters =
                        {
                            new() { Value = payment.ProjectId }, new() { Value = at }, new() { Value = payment.Credits },
                            new() { Value = payment.Reference }, new() { Value = Credits.FreePerMonth },
                        },
                    },
                    SetStatus(id, PaymentStatus.Succeeded, at, chargeId),
                    AuditWrites.Insert(payment.ProjectId, audit(payment)),
                },
            };
            await batch.ExecuteNonQueryAsync(cancellationToken);
            return true;
        }, cancellationToken);

    /// <summary>Marks a checkout that was never paid as cancelled: true when it was pending.</summary>
    public Task<bool> Cancel(Guid id, DateTimeOffset at, Func<Payment, AuditEntry> audit, CancellationToken cancellationToken) =>
        Locked(id, async (payment, connection, transaction) =>
        {
            if (payment.Status != PaymentStatus.Pending) return false;
            await using var batch = new NpgsqlBatch(connection, transaction)
            {
                BatchCommands = { SetStatus(id, PaymentStatus.Canceled, at, null), AuditWrites.Insert(payment.ProjectId, audit(payment)) },
            };
            await batch.ExecuteNonQueryAsync(cancellationToken);
            return true;
        }, cancellationToken);

    /// <summary>
    /// Takes back credits of a paid payment until <paramref name="total"/> of them are back in all;
    /// returns how many this call took (0 when an earlier notification already did).
    /// </summary>
    public Task<int> TakeBack(Guid id, DateTimeOffset at, int total, Func<Payment, int, AuditEntry> audit, CancellationToken cancellationToken) =>
        Locked(id, async (payment, connection, transaction) =>
        {
            var take = Math.Min(total, payment.Credits) - payment.CreditsTakenBack;
            if (payment.Status is not (PaymentStatus.Succeeded or PaymentStatus.Refunded) || take <= 0) return 0;
            var all = payment.CreditsTakenBack + take == payment.Credits;
            await using var batch = new NpgsqlBatch(connection, transaction)
            {
                BatchCommands =
                {
                    new NpgsqlBatchCommand("SELECT id FROM take_back_credits($1, $2, $3, $4, $5)")
                    {
                        Parameters =
                        {
                            new() { Value = payment.ProjectId }, new() { Value = at }, new() { Value = take },
                            new() { Value = payment.Reference }, new() { Value = Credits.FreePerMonth },
                        },
                    },
                    new NpgsqlBatchCommand("UPDATE payments SET credits_taken_back = credits_taken_back + $2, status = $3, updated_at = $4 WHERE id = $1")
                    {
                        Parameters =
                        {
                            new() { Value = id }, new() { Value = take }, new() { Value = all ? PaymentStatus.Refunded : payment.Status }, new() { Value = at },
                        },
                    },
                    AuditWrites.Insert(payment.ProjectId, audit(payment, take)),
                },
            };
            await batch.ExecuteNonQueryAsync(cancellationToken);
            return take;
        }, cancellationToken);

    private static NpgsqlBatchCommand SetStatus(Guid id, string status, DateTimeOffset at, string? chargeId) =>
        new("UPDATE payments SET status = $2, updated_at = $3, provider_charge_id = COALESCE($4, provider_charge_id) WHERE id = $1")
        {
            Parameters =
            {
                new() { Value = id }, new() { Value = status }, new() { Value = at },
                new() { Value = (object?)chargeId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
            },
        };

    private async Task<T> Locked<T>(Guid id, Func<Payment, NpgsqlConnection, NpgsqlTransaction, Task<T>> change, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        Payment payment;
        await using (var command = new NpgsqlCommand($"SELECT {Columns} FROM payments WHERE id = $1 FOR UPDATE", connection, transaction))
        {
            command.Parameters.Add(new() { Value = id });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken)) return default!;
            payment = Read(reader);
        }
        var result = await change(payment, connection, transaction);
        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    private async Task<Payment?> FindWhere(string condition, object first, object second, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM payments WHERE {condition}");
        command.Parameters.Add(new() { Value = first });
        command.Parameters.Add(new() { Value = second });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    private static Payment Read(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetGuid(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4),
        r.GetString(5), r.GetInt32(6), r.GetInt64(7), r.GetString(8), r.GetString(9), r.GetInt32(10), r.IsDBNull(11) ? null : r.GetString(11),
        r.GetFieldValue<DateTimeOffset>(12), r.GetFieldValue<DateTimeOffset>(13));
}
