using Npgsql;

namespace Zapnoty.Grains.Tests.Infrastructure;

/// <summary>
/// Grows a ticket (created through the API with its first message) into a long conversation in
/// one transaction: messages "Message 1" … "Message {count-1}" after the first, customer and agent
/// by turns, in the shape the ticket store writes them (a random id, seq from the identity, the
/// delivery state each author gets, no attachments). The conversation is moved into the past,
/// three minutes a message and ending now, so seq follows created_at as it does when a grain
/// writes it. Minutes instead of hours of posting, for the tests and the benchmark.
/// </summary>
public static class LongConversation
{
    public static readonly TimeSpan Spacing = TimeSpan.FromMinutes(3);

    public static async Task Grow(NpgsqlDataSource db, Guid projectId, Guid ticketId, int count, Guid agentId)
    {
        var start = DateTimeOffset.UtcNow - Spacing * count;
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new("UPDATE tickets SET created_at = $2 WHERE id = $1") { Parameters = { new() { Value = ticketId }, new() { Value = start } } },
                new("UPDATE ticket_messages SET created_at = $2 WHERE ticket_id = $1") { Parameters = { new() { Value = ticketId }, new() { Value = start } } },
                new("""
                    INSERT INTO ticket_messages (id, ticket_id, project_id, author, agent_id, text, created_at, delivery, delivery_error,
                                                 attachments, channel_message_id)
                    SELECT gen_random_uuid(), $1, $2, CASE WHEN i % 2 = 0 THEN 'agent' ELSE 'customer' END,
                           CASE WHEN i % 2 = 0 THEN $3::uuid END, 'Message ' || i, $4 + i * $5::interval,
                           CASE WHEN i % 2 = 0 THEN 'webhook' ELSE 'delivered' END, NULL, '[]'::jsonb, NULL
                      FROM generate_series(1, $6 - 1) i ORDER BY i
                    """)
                {
                    Parameters =
                    {
                        new() { Value = ticketId }, new() { Value = projectId }, new() { Value = agentId },
                        new() { Value = start }, new() { Value = Spacing }, new() { Value = count },
                    },
                },
            },
        };
        await batch.ExecuteNonQueryAsync();
        await transaction.CommitAsync();
    }
}
