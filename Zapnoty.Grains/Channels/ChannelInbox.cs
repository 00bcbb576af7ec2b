using System.Text.Json;
using Npgsql;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Channels;

/// <summary>A description the customer sent, waiting for them to pick the ticket type.</summary>
public sealed record ConversationDraft(string Text, IReadOnlyList<Attachment> Attachments, string? MessageId);

public sealed record ConversationRow(ConversationStep Step, ConversationDraft? Draft, Guid? CurrentTicketId);

/// <summary>An update waiting in the inbox and when it arrived there.</summary>
public sealed record WaitingUpdate(IncomingUpdate Update, DateTimeOffset ReceivedAt);

/// <summary>A chat with updates no one has applied yet, for the sweeper.</summary>
public sealed record WaitingChat(Channel Channel, string ExternalBotId, string ChatId);

/// <summary>
/// The inbox of messenger updates: recorded as they arrive (duplicates ignored), applied in
/// arrival order per chat by that chat's conversation grain.
/// </summary>
public sealed class ChannelInbox(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// True when the update is new; a redelivered one is already there. The dialog's chat id it
    /// names (Max) is remembered in the same statement, for "typing…" in that chat.
    /// </summary>
    public async Task<bool> Record(Guid botId, IncomingUpdate update, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            WITH dialog AS (
                INSERT INTO channel_dialogs (bot_id, chat_id, dialog_chat_id, updated_at) SELECT $1, $3, $6, $5 WHERE $6::text IS NOT NULL
                ON CONFLICT (bot_id, chat_id) DO UPDATE SET dialog_chat_id = EXCLUDED.dialog_chat_id, updated_at = EXCLUDED.updated_at
                 WHERE channel_dialogs.dialog_chat_id <> EXCLUDED.dialog_chat_id)
            INSERT INTO channel_updates (bot_id, update_key, chat_id, payload, received_at, language) VALUES ($1, $2, $3, $4::jsonb, $5, $7)
            ON CONFLICT (bot_id, update_key) DO NOTHING
            """);
        update = Storable(update);
        command.Parameters.Add(new() { Value = botId });
        command.Parameters.Add(new() { Value = update.Key });
        command.Parameters.Add(new() { Value = update.ChatId });
        command.Parameters.Add(new() { Value = JsonSerializer.Serialize(update, WireJson.Options) });
        command.Parameters.Add(new() { Value = now });
        command.Parameters.Add(new() { Value = (object?)update.DialogChatId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (object?)BotLanguages.BotLanguage.FromTag(update.User.Language) ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>The messenger's chat id of the customer's dialog, when an update named one (Max).</summary>
    public async Task<string?> DialogChat(Guid botId, string chatId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT dialog_chat_id FROM channel_dialogs WHERE bot_id = $1 AND chat_id = $2");
        command.Parameters.Add(new() { Value = botId });
        command.Parameters.Add(new() { Value = chatId });
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    /// <summary>
    /// A messenger may send U+0000 or a broken surrogate in a message or a name; stored as is, the
    /// insert would fail on every redelivery and hold the bot's update queue, so they are cleaned.
    /// </summary>
    private static IncomingUpdate Storable(IncomingUpdate update) => update with
    {
        Key = StorableText.Clean(update.Key)!,
        ChatId = StorableText.Clean(update.ChatId)!,
        User = update.User with
        {
            Id = StorableText.Clean(update.User.Id)!, Name = StorableText.Clean(update.User.Name), Username = StorableText.Clean(update.User.Username),
        },
        Text = StorableText.Clean(update.Text),
        Attachments = update.Attachments.Select(a => a with
        {
            Kind = StorableText.Clean(a.Kind)!, FileId = StorableText.Clean(a.FileId)!, FileName = StorableText.Clean(a.FileName),
            MimeType = StorableText.Clean(a.MimeType), Url = StorableText.Clean(a.Url),
        }).ToList(),
        MessageId = StorableText.Clean(update.MessageId),
        DialogChatId = StorableText.Clean(update.DialogChatId),
        CallbackId = StorableText.Clean(update.CallbackId),
        CallbackData = StorableText.Clean(update.CallbackData),
    };

    /// <summary>The chat's updates no one has applied yet, in arrival order, each with when it arrived.</summary>
    public async Task<IReadOnlyList<WaitingUpdate>> Waiting(Guid botId, string chatId, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT payload::text, received_at, language FROM channel_updates
             WHERE bot_id = $1 AND chat_id = $2 AND processed_at IS NULL
             ORDER BY received_at, length(update_key), update_key
             LIMIT $3
            """);
        command.Parameters.Add(new() { Value = botId });
        command.Parameters.Add(new() { Value = chatId });
        command.Parameters.Add(new() { Value = limit });
        var updates = new List<WaitingUpdate>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var update = JsonSerializer.Deserialize<IncomingUpdate>(reader.GetString(0), WireJson.Options)!;
            if (!reader.IsDBNull(2)) update = update with { User = update.User with { Language = reader.GetString(2) } };
            updates.Add(new WaitingUpdate(update, reader.GetFieldValue<DateTimeOffset>(1)));
        }
        return updates;
    }

    public async Task<ConversationRow?> Conversation(Guid botId, string chatId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT step, draft::text, current_ticket_id FROM conversations WHERE bot_id = $1 AND chat_id = $2");
        command.Parameters.Add(new() { Value = botId });
        command.Parameters.Add(new() { Value = chatId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new ConversationRow(WireNames.ParseWire<ConversationStep>(reader.GetString(0)),
                reader.IsDBNull(1) ? null : JsonSerializer.Deserialize<ConversationDraft>(reader.GetString(1), WireJson.Options),
                reader.IsDBNull(2) ? null : reader.GetGuid(2))
            : null;
    }

    /// <summary>Chats whose updates have waited longer than <paramref name="olderThan"/> (their grain missed a nudge).</summary>
    public async Task<IReadOnlyList<WaitingChat>> WaitingChats(DateTimeOffset olderThan, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT DISTINCT b.channel, b.external_id, u.chat_id
              FROM channel_updates u JOIN bots b ON b.id = u.bot_id
             WHERE u.processed_at IS NULL AND u.received_at < $1
            """);
        command.Parameters.Add(new() { Value = olderThan });
        var chats = new List<WaitingChat>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            chats.Add(new WaitingChat(WireNames.ParseWire<Channel>(reader.GetString(0)), reader.GetString(1), reader.GetString(2)));
        return chats;
    }

    /// <summary>Updates of a bot that is no longer connected are dropped, not applied.</summary>
    public async Task DropWaiting(Guid botId, string chatId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE channel_updates SET processed_at = $3 WHERE bot_id = $1 AND chat_id = $2 AND processed_at IS NULL");
        command.Parameters.Add(new() { Value = botId });
        command.Parameters.Add(new() { Value = chatId });
        command.Parameters.Add(new() { Value = now });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

public static class ConversationKeys
{
    /// <summary><c>tg:{botId}:{chatId}</c> for Telegram, <c>max:{botId}:{chatId}</c> for Max.</summary>
    public static string Of(Channel channel, string externalBotId, string chatId) =>
        $"{Prefix(channel)}:{externalBotId}:{chatId}";

    public static (Channel Channel, string ExternalBotId, string ChatId) Parse(string key)
    {
        var parts = key.Split(':', 3);
        return (parts[0] == "tg" ? Channel.Telegram : Channel.Max, parts[1], parts[2]);
    }

    private static string Prefix(Channel channel) => channel == Channel.Telegram ? "tg" : channel.Wire();
}
