using Npgsql;

namespace Zapnoty.Grains.Webhooks;

/// <summary>
/// One look at an endpoint's queue: the deliveries due now (at most the limit asked for),
/// whether the limit cut it short, and when the earliest delivery not yet due falls due.
/// </summary>
public sealed record DueBatch(IReadOnlyList<DueDelivery> Due, bool Full, DateTimeOffset? NextDue);

/// <summary>Reads an endpoint's pending deliveries in the order the dispatcher may send them.</summary>
public sealed class DeliveryQueue(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Per ticket only the earliest pending delivery (by event seq) is a candidate: a later event
    /// of a ticket waits for it. The candidates are found by a skip scan over the pending index
    /// (project, webhook, ticket, seq): one index descent per ticket with something pending,
    /// not a read of every pending row, so a backlog of thousands behind a few hundred tickets
    /// stays cheap to look at. Billing events have no ticket and queue as one sequence of their
    /// own. Ordered by due time, one row past the limit: if it is not due, it is when to look next.
    /// Payloads are read only for rows that are due.
    /// </summary>
    private const string DueSql = """
        WITH RECURSIVE heads AS (
            (SELECT id, event_id, ticket_id, event_seq, attempts, next_attempt_at FROM webhook_deliveries
              WHERE project_id = $1 AND webhook_id = $2 AND status = 'pending' AND ticket_id IS NOT NULL
              ORDER BY ticket_id, event_seq LIMIT 1)
            UNION ALL
            SELECT n.* FROM heads h CROSS JOIN LATERAL
                (SELECT id, event_id, ticket_id, event_seq, attempts, next_attempt_at FROM webhook_deliveries
                  WHERE project_id = $1 AND webhook_id = $2 AND status = 'pending' AND ticket_id > h.ticket_id
                  ORDER BY ticket_id, event_seq LIMIT 1) n
        ), candidates AS (
            SELECT * FROM heads
            UNION ALL
            (SELECT id, event_id, ticket_id, event_seq, attempts, next_attempt_at FROM webhook_deliveries
              WHERE project_id = $1 AND webhook_id = $2 AND status = 'pending' AND ticket_id IS NULL
              ORDER BY event_seq LIMIT 1)
        ), first AS (
            SELECT * FROM candidates ORDER BY next_attempt_at LIMIT $4 + 1
        )
        SELECT d.id, d.event_id, d.ticket_id, d.attempts, e.type, e.occurred_at, e.payload::text, e.message_id, d.next_attempt_at,
               CASE WHEN e.id IS NULL THEN false
                    WHEN d.ticket_id IS NULL
                    THEN EXISTS (SELECT 1 FROM webhook_deliveries n WHERE n.project_id = $1 AND n.webhook_id = $2 AND n.status = 'pending'
                                    AND n.ticket_id IS NULL AND n.event_seq > d.event_seq)
                    ELSE EXISTS (SELECT 1 FROM webhook_deliveries n WHERE n.project_id = $1 AND n.webhook_id = $2 AND n.status = 'pending'
                                    AND n.ticket_id = d.ticket_id AND n.event_seq > d.event_seq) END
          FROM first d
          LEFT JOIN ticket_events e ON e.id = d.event_id AND d.next_attempt_at <= $3
         ORDER BY d.next_attempt_at
        """;

    public async Task<DueBatch> Due(Guid projectId, Guid webhookId, DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(DueSql, connection);
        command.Parameters.Add(new() { Value = projectId });
        command.Parameters.Add(new() { Value = webhookId });
        command.Parameters.Add(new() { Value = now });
        command.Parameters.Add(new() { Value = limit });
        // Prepared once per pooled connection and kept (Npgsql's reset spares prepared statements):
        // planning the recursive query costs over ten times running it when little is pending.
        await command.PrepareAsync(cancellationToken);
        var due = new List<DueDelivery>();
        DateTimeOffset? next = null;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (reader.IsDBNull(4))
            {
                // Not due: rows come in due order, so this is the earliest of the rest.
                next = reader.GetFieldValue<DateTimeOffset>(8);
                break;
            }
            if (due.Count == limit) break;
            due.Add(new DueDelivery(reader.GetGuid(0), reader.GetGuid(1), reader.IsDBNull(2) ? null : reader.GetGuid(2), reader.GetInt32(3),
                reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5), reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetGuid(7),
                reader.GetBoolean(9)));
        }
        return new DueBatch(due, next is null && due.Count == limit, next);
    }
}
