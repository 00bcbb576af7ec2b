using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Channels;

/// <summary>
/// The statements a messenger update adds to the transaction of its effect: the claim that
/// makes it apply once, the dialog's new state, and what the bot answers.
/// </summary>
public static class ChannelWrites
{
    /// <summary>SQLSTATE raised by <c>claim_channel_update</c> when the update was applied before.</summary>
    public const string AlreadyApplied = "ZP001";

    public static bool IsAlreadyApplied(Exception e) => e is PostgresException { SqlState: AlreadyApplied };

    public static NpgsqlBatchCommand Claim(Guid botId, string updateKey, DateTimeOffset now) =>
        new("SELECT claim_channel_update($1, $2, $3)") { Parameters = { new() { Value = botId }, new() { Value = updateKey }, new() { Value = now } } };

    public static NpgsqlBatchCommand SaveConversation(Guid botId, string chatId, Guid projectId, ConversationStep step, string? draftJson,
        Guid? currentTicketId, DateTimeOffset now) => new("""
        INSERT INTO conversations (bot_id, chat_id, project_id, step, draft, current_ticket_id, updated_at)
        VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)
        ON CONFLICT (bot_id, chat_id) DO UPDATE SET step = EXCLUDED.step, draft = EXCLUDED.draft,
            current_ticket_id = EXCLUDED.current_ticket_id, updated_at = EXCLUDED.updated_at
        """)
    {
        Parameters =
        {
            new() { Value = botId },
            new() { Value = chatId },
            new() { Value = projectId },
            new() { Value = step.Wire() },
            new() { Value = (object?)draftJson ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
            new() { Value = (object?)currentTicketId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid },
            new() { Value = now },
        },
    };

    /// <summary>The conversation now follows <paramref name="ticketId"/>, its dialog done.</summary>
    public static NpgsqlBatchCommand FollowTicket(Guid projectId, ChatRoute route, Guid ticketId, DateTimeOffset now) =>
        SaveConversation(route.BotId, route.ChatId, projectId, ConversationStep.Idle, null, ticketId, now);

    public static NpgsqlBatchCommand Enqueue(ChatRoute route, string text, IReadOnlyList<ChoiceButton>? buttons, Guid? messageId, Guid? ticketId,
        DateTimeOffset now) => new("""
        INSERT INTO channel_outbox (bot_id, chat_id, text, buttons, message_id, ticket_id, status, next_attempt_at, created_at)
        VALUES ($1, $2, $3, $4::jsonb, $5, $6, 'pending', $7, $7)
        """)
    {
        Parameters =
        {
            new() { Value = route.BotId },
            new() { Value = route.ChatId },
            new() { Value = text },
            new() { Value = buttons is null ? DBNull.Value : JsonSerializer.Serialize(buttons, WireJson.Options), NpgsqlDbType = NpgsqlDbType.Text },
            new() { Value = (object?)messageId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid },
            new() { Value = (object?)ticketId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid },
            new() { Value = now },
        },
    };

    /// <summary>The customer behind the chat cannot be messaged, for <paramref name="reason"/>; tickets show it.</summary>
    public static NpgsqlBatchCommand MarkUnreachable(Guid botId, string chatId, string reason, DateTimeOffset now) => new("""
        UPDATE customers c SET unreachable_reason = $4, unreachable_at = $3
          FROM bots b WHERE b.id = $1 AND c.project_id = b.project_id AND c.channel = b.channel AND c.external_id = $2
        """)
    {
        Parameters = { new() { Value = botId }, new() { Value = chatId }, new() { Value = now }, new() { Value = reason } },
    };

    /// <summary>Whatever kept the customer behind the chat unreachable is over.</summary>
    public static NpgsqlBatchCommand MarkReachable(Guid botId, string chatId) => new("""
        UPDATE customers c SET unreachable_reason = NULL, unreachable_at = NULL
          FROM bots b WHERE b.id = $1 AND c.project_id = b.project_id AND c.channel = b.channel AND c.external_id = $2
           AND c.unreachable_at IS NOT NULL
        """)
    {
        Parameters = { new() { Value = botId }, new() { Value = chatId } },
    };

    /// <summary>The statements an update's ticket effect carries: the claim, and the bot's answer if any.</summary>
    public static IEnumerable<NpgsqlBatchCommand> ForOrigin(ChannelOrigin origin, Guid ticketId, long? number, DateTimeOffset now)
    {
        yield return Claim(origin.Route.BotId, origin.UpdateKey, now);
        if (origin.BotAnswer is { } answer)
            yield return Enqueue(origin.Route, answer.Replace("{number}", number?.ToString() ?? ""), null, null, ticketId, now);
    }
}

/// <summary>Where a chat is in the bot dialog.</summary>
[GenerateSerializer]
[Alias("Zapnoty.Grains.Channels.ConversationStep")]
public enum ConversationStep { Idle, Describing, ChoosingType }
