using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Zapnoty.Grains.Team;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Webhooks;

/// <summary>
/// An event of a ticket, written to the outbox in the transaction of the change it describes.
/// <see cref="Data"/> is the body's <c>data</c> object as JSON, fixed at that moment.
/// </summary>
public sealed record TicketEvent(Guid Id, Guid? TicketId, string Type, DateTimeOffset OccurredAt, Guid? MessageId, string Data);

public sealed record ChangeDto(string Field, string? From, string? To);

public static class TicketEvents
{
    /// <summary>The history fields that are events of their own; a type change is history only.</summary>
    private static readonly Dictionary<string, string> ChangeEvents = new()
    {
        ["status"] = TicketEventTypes.StatusChanged,
        ["priority"] = TicketEventTypes.PriorityChanged,
        ["assignee_id"] = TicketEventTypes.Assigned,
    };

    public static TicketEvent Of(string type, TicketView ticket, DateTimeOffset at, TeamDirectory team,
        MessageView? message = null, HistoryEntry? change = null, string? breach = null)
    {
        var data = new Dictionary<string, object> { ["ticket"] = TicketDto.From(ticket, at, team) };
        if (message is not null) data["message"] = MessageDto.From(message);
        if (change is not null) data["change"] = new ChangeDto(change.Field, change.From, change.To);
        if (breach is not null) data["breach"] = breach;
        return new TicketEvent(Guid.NewGuid(), ticket.Id, type, at, message?.Id, JsonSerializer.Serialize(data, WireJson.Options));
    }

    /// <summary>One event per history entry that has an event type (status, priority, assignee).</summary>
    public static IEnumerable<TicketEvent> OfChanges(TicketView ticket, IEnumerable<HistoryEntry> history, TeamDirectory team) =>
        history.Where(h => ChangeEvents.ContainsKey(h.Field))
            .Select(h => Of(ChangeEvents[h.Field], ticket, h.At, team, change: h));
}

public static class OutboxWrites
{
    /// <summary>
    /// The events, and one pending delivery for every live endpoint of the project subscribed
    /// to each — in the caller's transaction, so an event exists exactly when its change does.
    /// <c>RecordsAffected</c> of the command is the number of deliveries created.
    /// </summary>
    public static NpgsqlBatchCommand Insert(Guid projectId, IReadOnlyList<TicketEvent> events, DateTimeOffset now) => new("""
        WITH e AS (
            INSERT INTO ticket_events (id, project_id, ticket_id, message_id, type, occurred_at, payload)
            SELECT p.id, $1, p.ticket_id, p.message_id, p.type, p.occurred_at, p.payload::jsonb
              FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::timestamptz[], $7::text[]) WITH ORDINALITY
                   AS p(id, ticket_id, message_id, type, occurred_at, payload, ord)
             ORDER BY p.ord
            RETURNING id, seq, ticket_id, type)
        INSERT INTO webhook_deliveries (id, webhook_id, event_id, event_seq, project_id, ticket_id, status, next_attempt_at, created_at)
        SELECT gen_random_uuid(), w.id, e.id, e.seq, $1, e.ticket_id, 'pending', $8, $8
          FROM e
          JOIN webhooks w ON w.project_id = $1 AND w.deleted_at IS NULL AND w.disabled_at IS NULL
                         AND (e.type = ANY (w.events) OR ('ticket.*' = ANY (w.events) AND e.type LIKE 'ticket.%'))
        """)
    {
        Parameters =
        {
            new() { Value = projectId },
            new() { Value = events.Select(e => e.Id).ToArray() },
            new() { Value = events.Select(e => e.TicketId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
            new() { Value = events.Select(e => e.MessageId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
            new() { Value = events.Select(e => e.Type).ToArray() },
            new() { Value = events.Select(e => e.OccurredAt).ToArray() },
            new() { Value = events.Select(e => e.Data).ToArray() },
            new() { Value = now },
        },
    };

    /// <summary>
    /// A reply to a website/app customer travels only by <c>ticket.replied</c>: with no endpoint
    /// to carry it, it is undeliverable, and says so at once instead of waiting forever.
    /// </summary>
    public static NpgsqlBatchCommand MarkReplyWithoutEndpoint(Guid messageId, Guid eventId) => new("""
        UPDATE ticket_messages SET delivery = 'failed', delivery_error = $3
         WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM webhook_deliveries WHERE event_id = $2)
        """)
    {
        Parameters =
        {
            new() { Value = messageId },
            new() { Value = eventId },
            new() { Value = NoEndpointError },
        },
    };

    public const string NoEndpointError = "No webhook endpoint of the project receives ticket.replied, so this reply cannot reach the customer.";
}
