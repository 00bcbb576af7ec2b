using Npgsql;

namespace Zapnoty.Grains.Webhooks;

public sealed record AttemptView(DateTimeOffset At, int? StatusCode, int DurationMs, string? Error, string? ResponseBody);

public sealed record DeliveryView(
    Guid Id, Guid EventId, string EventType, Guid? TicketId, DeliveryStatus Status, int Attempts,
    DateTimeOffset? NextAttemptAt, string? LastError, DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt,
    IReadOnlyList<AttemptView> AttemptLog);

/// <summary>Reads an endpoint's deliveries, newest first, each with every attempt made.</summary>
public sealed class WebhookDeliveryLog(NpgsqlDataSource dataSource)
{
    public async Task<IReadOnlyList<DeliveryView>> Find(Guid projectId, Guid webhookId, DeliveryStatus? status,
        (DateTimeOffset CreatedAt, Guid Id)? before, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            SELECT d.id, d.event_id, e.type, d.ticket_id, d.status, d.attempts, d.next_attempt_at, d.last_error, d.created_at, d.finished_at
              FROM webhook_deliveries d JOIN ticket_events e ON e.id = d.event_id
             WHERE d.webhook_id = $1 AND d.project_id = $2
               AND ($3::text IS NULL OR d.status = $3)
               AND ($4::timestamptz IS NULL OR (d.created_at, d.id) < ($4, $5))
             ORDER BY d.created_at DESC, d.id DESC
             LIMIT $6
            """, connection);
        command.Parameters.Add(new() { Value = webhookId });
        command.Parameters.Add(new() { Value = projectId });
        command.Parameters.Add(new() { Value = (object?)status?.Wire() ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (object?)before?.CreatedAt ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = before?.Id ?? Guid.Empty });
        command.Parameters.Add(new() { Value = limit });

        var rows = new List<DeliveryView>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken))
                rows.Add(new DeliveryView(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetGuid(3),
                    WireNames.ParseWire<DeliveryStatus>(reader.GetString(4)), reader.GetInt32(5),
                    reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6), reader.IsDBNull(7) ? null : reader.GetString(7),
                    reader.GetFieldValue<DateTimeOffset>(8), reader.IsDBNull(9) ? null : reader.GetFieldValue<DateTimeOffset>(9), []));
        if (rows.Count == 0) return rows;

        await using var attempts = new NpgsqlCommand("""
            SELECT delivery_id, at, status_code, duration_ms, error, response_body
              FROM webhook_attempts WHERE delivery_id = ANY ($1) ORDER BY id
            """, connection);
        attempts.Parameters.Add(new() { Value = rows.Select(r => r.Id).ToArray() });
        var log = rows.ToDictionary(r => r.Id, _ => new List<AttemptView>());
        await using (var reader = await attempts.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken))
                log[reader.GetGuid(0)].Add(new AttemptView(reader.GetFieldValue<DateTimeOffset>(1), reader.IsDBNull(2) ? null : reader.GetInt32(2),
                    reader.GetInt32(3), reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5)));
        return rows.Select(r => r with { AttemptLog = log[r.Id] }).ToList();
    }
}
