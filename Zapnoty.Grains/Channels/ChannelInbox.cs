using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Channels;

/// <summary>A description the customer sent, waiting for them to pick the ticket type.</summary>
public sealed record ConversationDraft(string Text, IReadOnlyList<Attachment> Attachments, string? MessageId);

public sealed record ConversationRow(ConversationStep Step, ConversationDraft? Draft, Guid? CurrentTicketId);

/// <summary>An update a bot's webhook received, to record in the inbox.</summary>
public sealed record ArrivingUpdate(BotView Bot, IncomingUpdate Update, DateTimeOffset ReceivedAt);

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
    /// Records updates of many requests in one statement (one transaction): true for each update
    /// that is new, false for a redelivery (already there, or earlier in the same batch). The
    /// dialog's chat id an update names (Max) is remembered in the same statement, for "typing…"
    /// in that chat; of one chat's updates in a batch the last one's counts.
    /// </summary>
    public async Task<IReadOnlyList<bool>> Record(IReadOnlyList<ArrivingUpdate> arriving, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            WITH arriving AS (
                SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::text[])
                       WITH ORDINALITY AS a(bot_id, update_key, chat_id, payload, received_at, dialog_chat_id, language, n)),
            dialog AS (
                INSERT INTO channel_dialogs (bot_id, chat_id, dialog_chat_id, updated_at)
                SELECT DISTINCT ON (bot_id, chat_id) bot_id, chat_id, dialog_chat_id, received_at FROM arriving
                 WHERE dialog_chat_id IS NOT NULL ORDER BY bot_id, chat_id, n DESC
                ON CONFLICT (bot_id, chat_id) DO UPDATE SET dialog_chat_id = EXCLUDED.dialog_chat_id, updated_at = EXCLUDED.updated_at
                 WHERE channel_dialogs.dialog_chat_id <> EXCLUDED.dialog_chat_id)
            INSERT INTO channel_updates (bot_id, update_key, chat_id, payload, received_at, language)
            SELECT bot_id, update_key, chat_id, payload::jsonb, received_at, language FROM arriving ORDER BY n
            ON CONFLICT (bot_id, update_key) DO NOTHING
            RETURNING bot_id, update_key
            """);
        var updates = arriving.Select(a => Storable(a.Update)).ToList();
        Arrays(command, (arriving.Select(a => a.Bot.Id).ToArray(), NpgsqlDbType.Uuid), (updates.Select(u => u.Key).ToArray(), NpgsqlDbType.Text),
            (updates.Select(u => u.ChatId).ToArray(), NpgsqlDbType.Text),
            (updates.Select(u => JsonSerializer.Serialize(u, WireJson.Options)).ToArray(), NpgsqlDbType.Text),
            (arriving.Select(a => a.ReceivedAt).ToArray(), NpgsqlDbType.TimestampTz), (updates.Select(u => u.DialogChatId).ToArray(), NpgsqlDbType.Text),
            (updates.Select(u => BotLanguages.BotLanguage.FromTag(u.User.Language)).ToArray(), NpgsqlDbType.Text));
        var inserted = new HashSet<(Guid, string)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken))
                inserted.Add((reader.GetGuid(0), reader.GetString(1)));
        // Of one key handed in twice, the first is the new one: the insert took them in that order.
        return arriving.Select((a, i) => inserted.Remove((a.Bot.Id, updates[i].Key))).ToList();
    }

    private static void Arrays(NpgsqlCommand command, params (Array Values, NpgsqlDbType Element)[] parameters)
    {
        foreach (var (values, element) in parameters)
            command.Parameters.Add(new NpgsqlParameter { Value = values, NpgsqlDbType = NpgsqlDbType.Array | element });
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
