using Npgsql;
using NpgsqlTypes;
using Zapnoty.Grains.Audit;
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

/// <summary>A delivery whose turn has come: the earliest pending one of its ticket, due now.</summary>
public sealed record DueDelivery(Guid Id, Guid EventId, Guid? TicketId, int Attempts, string Type, DateTimeOffset OccurredAt, string Data, Guid? MessageId);

/// <summary>One try: when, the HTTP status (none when the request failed), how long, why, and what came back.</summary>
public sealed record AttemptOutcome(DateTimeOffset At, int? StatusCode, int DurationMs, string? Error, string? ResponseBody)
{
    public bool Succeeded => StatusCode is >= 200 and < 300;

    public string Failure => Error ?? $"HTTP {StatusCode}";
}

public sealed class WebhookStore(NpgsqlDataSource dataSource)
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
                reader.GetString(7), reader.IsDBNull(8) ? null : reader.GetString(8)));
        return endpoints;
    }

    public Task Insert(Guid projectId, WebhookEndpoint endpoint, AuditEntry audit, CancellationToken cancellationToken) =>
        dataSource.Commit(
        [
            Command("INSERT INTO webhooks (id, project_id, url, events, secret, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                endpoint.View.Id, projectId, endpoint.View.Url, endpoint.View.Events.ToArray(), endpoint.Secret, endpoint.View.CreatedAt),
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
                    new() { Value = endpoint.Secret },
                    new() { Value = (object?)endpoint.PreviousSecret ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
                    new() { Value = (object?)endpoint.View.PreviousSecretValidUntil ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz },
                    new() { Value = (object?)endpoint.View.DisabledAt ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz },
                    new() { Value = (object?)endpoint.View.DisabledReason ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
                },
            },
            AuditWrites.Insert(projectId, audit),
        ], cancellationToken);

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

    /// <summary>
    /// The deliveries whose turn has come: per ticket only the earliest pending one (a later
    /// event of a ticket waits for it), and only once it is due.
    /// </summary>
    public async Task<IReadOnlyList<DueDelivery>> Due(Guid projectId, Guid webhookId, DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT d.id, d.event_id, d.ticket_id, d.attempts, e.type, e.occurred_at, e.payload::text, e.message_id
              FROM (SELECT DISTINCT ON (ticket_id) id, event_id, ticket_id, attempts, next_attempt_at
                      FROM webhook_deliveries
                     WHERE project_id = $1 AND webhook_id = $2 AND status = 'pending'
                     ORDER BY ticket_id, event_seq) d
              JOIN ticket_events e ON e.id = d.event_id
             WHERE d.next_attempt_at <= $3
             ORDER BY d.next_attempt_at
             LIMIT $4
            """);
        command.Parameters.Add(new() { Value = projectId });
        command.Parameters.Add(new() { Value = webhookId });
        command.Parameters.Add(new() { Value = now });
        command.Parameters.Add(new() { Value = limit });
        var due = new List<DueDelivery>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            due.Add(new DueDelivery(reader.GetGuid(0), reader.GetGuid(1), reader.IsDBNull(2) ? null : reader.GetGuid(2), reader.GetInt32(3), reader.GetString(4),
                reader.GetFieldValue<DateTimeOffset>(5), reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetGuid(7)));
        return due;
    }

    /// <summary>
    /// Logs the attempt and moves the delivery on, together; a website reply it carried is
    /// marked delivered in the same transaction (its ticket grain is told afterwards).
    /// </summary>
    public Task RecordAttempt(Guid deliveryId, AttemptOutcome attempt, DeliveryStatus status, int attempts, DateTimeOffset? nextAttemptAt,
        CancellationToken cancellationToken, Guid? deliveredReply = null) =>
        dataSource.Commit(
        [
            .. deliveredReply is { } reply
                ? [new NpgsqlBatchCommand("UPDATE ticket_messages SET delivery = 'delivered', delivery_error = NULL WHERE id = $1 AND delivery IN ('webhook', 'failed')")
                    { Parameters = { new() { Value = reply } } }]
                : Array.Empty<NpgsqlBatchCommand>(),
            new NpgsqlBatchCommand("""
                INSERT INTO webhook_attempts (delivery_id, at, status_code, duration_ms, error, response_body)
                VALUES ($1, $2, $3, $4, $5, $6)
                """)
            {
                Parameters =
                {
                    new() { Value = deliveryId },
                    new() { Value = attempt.At },
                    new() { Value = (object?)attempt.StatusCode ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer },
                    new() { Value = attempt.DurationMs },
                    new() { Value = (object?)attempt.Error ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
                    new() { Value = (object?)attempt.ResponseBody ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
                },
            },
            new NpgsqlBatchCommand("""
                UPDATE webhook_deliveries
                   SET status = $2, attempts = $3, next_attempt_at = $4, last_error = $5,
                       finished_at = CASE WHEN $2 = 'pending' THEN NULL ELSE $6 END
                 WHERE id = $1
                """)
            {
                Parameters =
                {
                    new() { Value = deliveryId },
                    new() { Value = status.Wire() },
                    new() { Value = attempts },
                    new() { Value = (object?)nextAttemptAt ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz },
                    new() { Value = attempt.Succeeded ? DBNull.Value : attempt.Failure, NpgsqlDbType = NpgsqlDbType.Text },
                    new() { Value = attempt.At },
                },
            },
        ], cancellationToken);

    /// <summary>When the project's next pending delivery falls due, if it has one.</summary>
    public async Task<DateTimeOffset?> NextDue(Guid projectId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT min(next_attempt_at) FROM webhook_deliveries WHERE project_id = $1 AND status = 'pending'");
        command.Parameters.Add(new() { Value = projectId });
        return await command.ExecuteScalarAsync(cancellationToken) is DateTime due ? new DateTimeOffset(due, TimeSpan.Zero) : null;
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
