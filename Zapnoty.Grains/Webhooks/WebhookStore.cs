using Npgsql;
using NpgsqlTypes;
using Zapnoty.Grains.Audit;
using Zapnoty.Grains.Secrets;
using Zapnoty.Grains.Storage;
using static Zapnoty.Grains.Storage.OneTransaction;

namespace Zapnoty.Grains.Webhooks;

/// <summary>An endpoint as the dispatcher holds it: the view plus the secrets it signs with.</summary>
public sealed record WebhookEndpoint(WebhookView View, string Secret, string? PreviousSecret)
{
    public bool Enabled => View.DisabledAt is null;

    public IEnumerable<string> SigningSecrets(DateTimeOffset now) =>
        PreviousSecret is not null && View.PreviousSecretValidUntil > now ? [Secret, PreviousSecret] : [Secret];
}

/// <summary>
/// A delivery whose turn has come: the earliest pending one of its ticket, due now.
/// <see cref="MoreOfTicket"/>: a later event of the ticket waits behind it.
/// </summary>
public sealed record DueDelivery(Guid Id, Guid EventId, Guid? TicketId, int Attempts, string Type, DateTimeOffset OccurredAt, string Data, Guid? MessageId,
    bool MoreOfTicket = false);

/// <summary>One try: when, the HTTP status (none when the request failed), how long, why, and what came back.</summary>
public sealed record AttemptOutcome(DateTimeOffset At, int? StatusCode, int DurationMs, string? Error, string? ResponseBody)
{
    public bool Succeeded => StatusCode is >= 200 and < 300;

    public string Failure => Error ?? $"HTTP {StatusCode}";
}

/// <summary>The webhooks of projects. Signing secrets are stored encrypted (<see cref="SecretProtector"/>).</summary>
public sealed class WebhookStore(NpgsqlDataSource dataSource, SecretProtector secrets)
{
    private const string EndpointColumns = "id, url, events, created_at, disabled_at, disabled_reason, previous_secret_until, secret, previous_secret";

    public async Task<List<WebhookEndpoint>> LoadEndpoints(Guid projectId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {EndpointColumns} FROM webhooks WHERE project_id = $1 AND deleted_at IS NULL ORDER BY created_at, id");
        command.Parameters.Add(new() { Value = projectId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var endpoints = new List<WebhookEndpoint>();
        while (await reader.ReadAsync(cancellationToken))
            endpoints.Add(new WebhookEndpoint(
                new WebhookView(reader.GetGuid(0), reader.GetString(1), reader.GetFieldValue<string[]>(2), reader.GetFieldValue<DateTimeOffset>(3),
                    reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4), reader.IsDBNull(5) ? null : reader.GetString(5),
                    reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6)),
                Reveal(reader.GetString(7)), reader.IsDBNull(8) ? null : Reveal(reader.GetString(8))));
        return endpoints;
    }

    public Task Insert(Guid projectId, WebhookEndpoint endpoint, AuditEntry audit, CancellationToken cancellationToken) =>
        dataSource.Commit(
        [
            Command("INSERT INTO webhooks (id, project_id, url, events, secret, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                endpoint.View.Id, projectId, endpoint.View.Url, endpoint.View.Events.ToArray(), Seal(endpoint.Secret), endpoint.View.CreatedAt),
            AuditWrites.Insert(projectId, audit),
        ], cancellationToken);

    /// <summary>Saves url, events, secrets and the disabled state as the endpoint now has them.</summary>
    public Task Save(Guid projectId, WebhookEndpoint endpoint, AuditEntry audit, CancellationToken cancellationToken) =>
        dataSource.Commit(
        [
            new NpgsqlBatchCommand("""
                UPDATE webhooks SET url = $2, events = $3, secret = $4, previous_secret = $5, previous_secret_until = $6,
                                    disabled_at = $7, disabled_reason = $8
                 WHERE id = $1
                """)
            {
                Parameters =
                {
                    new() { Value = endpoint.View.Id },
                    new() { Value = endpoint.View.Url },
                    new() { Value = endpoint.View.Events.ToArray() },
                    new() { Value = Seal(endpoint.Secret) },
                    new() { Value = endpoint.PreviousSecret is { } previous ? Seal(previous) : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
                    new() { Value = (object?)endpoint.View.PreviousSecretValidUntil ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz },
                    new() { Value = (object?)endpoint.View.DisabledAt ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz },
                    new() { Value = (object?)endpoint.View.DisabledReason ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
                },
            },
            AuditWrites.Insert(projectId, audit),
        ], cancellationToken);

    private string Seal(string secret) => secrets.Protect(SecretPurposes.WebhookSigningSecret, secret);

    private string Reveal(string stored) => secrets.Unprotect(SecretPurposes.WebhookSigningSecret, stored);

    /// <summary>Disables the endpoint and fails what was waiting for it, with the reason. Returns the events failed.</summary>
    public Task<Guid[]> Disable(Guid projectId, WebhookEndpoint endpoint, AuditEntry audit, CancellationToken cancellationToken) =>
        CommitFailingPending(projectId, endpoint.View.Id, endpoint.View.DisabledReason!, audit,
            Command("UPDATE webhooks SET disabled_at = $2, disabled_reason = $3 WHERE id = $1",
                endpoint.View.Id, endpoint.View.DisabledAt, endpoint.View.DisabledReason), cancellationToken);

    public Task<Guid[]> Delete(Guid projectId, Guid webhookId, AuditEntry audit, CancellationToken cancellationToken) =>
        CommitFailingPending(projectId, webhookId, "The endpoint was deleted.", audit,
            Command("UPDATE webhooks SET deleted_at = $2 WHERE id = $1", webhookId, audit.At), cancellationToken);

    private async Task<Guid[]> CommitFailingPending(Guid projectId, Guid webhookId, string reason, AuditEntry audit,
        NpgsqlBatchCommand change, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                // First, so the reader's first result is its RETURNING.
                Command("""
                    UPDATE webhook_deliveries SET status = 'failed', last_error = $2, finished_at = $3, next_attempt_at = NULL
                     WHERE webhook_id = $1 AND status = 'pending'
                    RETURNING event_id
                    """, webhookId, reason, audit.At),
                change,
                AuditWrites.Insert(projectId, audit),
            },
        };
        var failed = new List<Guid>();
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken)) failed.Add(reader.GetGuid(0));
        await transaction.CommitAsync(cancellationToken);
        return failed.ToArray();
    }

    /// <summary>Sends a finished delivery again from the start of the schedule. False when it is pending or unknown.</summary>
    public async Task<bool> Retry(Guid webhookId, Guid deliveryId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = $3, finished_at = NULL
             WHERE id = $2 AND webhook_id = $1 AND status <> 'pending'
            """);
        command.Parameters.Add(new() { Value = webhookId });
        command.Parameters.Add(new() { Value = deliveryId });
        command.Parameters.Add(new() { Value = now });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<bool> DeliveryExists(Guid webhookId, Guid deliveryId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM webhook_deliveries WHERE id = $2 AND webhook_id = $1)");
        command.Parameters.Add(new() { Value = webhookId });
        command.Parameters.Add(new() { Value = deliveryId });
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    /// <summary>Projects with a delivery that is due now (the sweeper wakes their dispatchers).</summary>
    public async Task<IReadOnlyList<Guid>> ProjectsWithDueDeliveries(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT DISTINCT project_id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $1");
        command.Parameters.Add(new() { Value = now });
        var projects = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) projects.Add(reader.GetGuid(0));
        return projects;
    }
}

public static class WebhookStoreReplies
{
    /// <summary>
    /// Replies to website customers whose <c>ticket.replied</c> no endpoint will carry any more:
    /// every delivery of the event failed. <paramref name="eventIds"/> are the events to look at.
    /// </summary>
    public static async Task<IReadOnlyList<(Guid TicketId, Guid MessageId)>> StrandedReplies(
        this NpgsqlDataSource dataSource, Guid[] eventIds, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT e.ticket_id, e.message_id FROM ticket_events e
             WHERE e.id = ANY ($1) AND e.message_id IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id AND d.status <> 'failed')
            """);
        command.Parameters.Add(new() { Value = eventIds });
        var replies = new List<(Guid, Guid)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) replies.Add((reader.GetGuid(0), reader.GetGuid(1)));
        return replies;
    }
}
