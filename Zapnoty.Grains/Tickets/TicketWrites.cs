using Npgsql;
using NpgsqlTypes;

namespace Zapnoty.Grains.Tickets;

/// <summary>Insert statements for messages and history, shared by ticket creation and ticket commands.</summary>
public static class TicketWrites
{
    public static NpgsqlBatchCommand InsertMessage(Guid ticketId, Guid projectId, MessageView message) => new("""
        INSERT INTO ticket_messages (id, ticket_id, project_id, author, agent_id, text, created_at, delivery, delivery_error,
                                     attachments, channel_message_id, internal)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12)
        """)
    {
        Parameters =
        {
            new() { Value = message.Id },
            new() { Value = ticketId },
            new() { Value = projectId },
            new() { Value = message.Author.Wire() },
            new() { Value = (object?)message.AgentId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid },
            new() { Value = message.Text },
            new() { Value = message.CreatedAt },
            new() { Value = message.Delivery.Wire() },
            new() { Value = (object?)message.DeliveryError ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
            new() { Value = AttachmentsJson(message.Attachments) },
            new() { Value = (object?)message.ChannelMessageId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
            new() { Value = message.Internal },
        },
    };

    /// <summary>The files as stored: a file's delivery is kept apart (<see cref="FileDeliveries"/>), never in this JSON.</summary>
    public static string AttachmentsJson(IReadOnlyList<Channels.Attachment>? attachments) =>
        System.Text.Json.JsonSerializer.Serialize((attachments ?? []).Select(a => a with { Delivery = null, DeliveryError = null }).ToList(), WireJson.Options);

    public static IReadOnlyList<Channels.Attachment> ReadAttachments(string json) =>
        System.Text.Json.JsonSerializer.Deserialize<List<Channels.Attachment>>(json, WireJson.Options) ?? [];

    /// <summary>All entries in one statement (arrays unnested), so a write stays one round trip.</summary>
    public static NpgsqlBatchCommand InsertHistory(Guid ticketId, IReadOnlyList<HistoryEntry> entries) =>
        InsertHistory(entries.Select(_ => ticketId).ToArray(), entries);

    public static NpgsqlBatchCommand InsertHistory(Guid[] ticketIds, IReadOnlyList<HistoryEntry> entries) => new("""
        INSERT INTO ticket_history (ticket_id, at, actor_kind, actor_id, field, from_value, to_value)
        SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
        """)
    {
        Parameters =
        {
            new() { Value = ticketIds },
            new() { Value = entries.Select(e => e.At).ToArray() },
            new() { Value = entries.Select(e => e.Actor.Kind.Wire()).ToArray() },
            new() { Value = entries.Select(e => e.Actor.Id).ToArray() },
            new() { Value = entries.Select(e => e.Field).ToArray() },
            new() { Value = entries.Select(e => e.From).ToArray() },
            new() { Value = entries.Select(e => e.To).ToArray() },
        },
    };
}
