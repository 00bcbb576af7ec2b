using Npgsql;
using NpgsqlTypes;
using System.Text.Json;
using Zapnoty.Grains.Files;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Channels;

/// <summary>
/// How a reply with files goes out: one outbox row per file, in order, the text as the first
/// file's caption when the messenger takes a caption that long (Telegram 1024 characters, Max
/// 4000), else as a message of its own before the files. The files are attached to the reply in
/// the same transaction.
/// </summary>
public static class OutgoingFiles
{
    public static IEnumerable<NpgsqlBatchCommand> Enqueue(TicketView ticket, string text, IReadOnlyList<Attachment> files, Guid messageId, DateTimeOffset now)
    {
        yield return FileStore.Attach(ticket.ProjectId, files.Select(f => f.StoredId ?? throw new ArgumentException("A reply's file is not a stored file.", nameof(files))).ToList(),
            ticket.Id, messageId, now);
        if (ticket.Route is not { } route) yield break;
        var caption = text;
        if (text.Length > CaptionLimit(ticket.Channel))
        {
            yield return ChannelWrites.Enqueue(route, text, null, messageId, ticket.Id, now);
            caption = "";
        }
        for (var i = 0; i < files.Count; i++)
            yield return File(route, i == 0 ? caption : "", files[i], messageId, ticket.Id, now);
    }

    public static int CaptionLimit(Channel channel) => channel == Channel.Max ? FileLimits.MaxCaptionLength : FileLimits.TelegramCaptionLength;

    private static NpgsqlBatchCommand File(ChatRoute route, string caption, Attachment file, Guid messageId, Guid ticketId, DateTimeOffset now) => new("""
        INSERT INTO channel_outbox (bot_id, chat_id, text, file, message_id, ticket_id, status, next_attempt_at, created_at)
        VALUES ($1, $2, $3, $4::jsonb, $5, $6, 'pending', $7, $7)
        """)
    {
        Parameters =
        {
            new() { Value = route.BotId },
            new() { Value = route.ChatId },
            new() { Value = caption },
            new() { Value = JsonSerializer.Serialize(file, WireJson.Options), NpgsqlDbType = NpgsqlDbType.Text },
            new() { Value = messageId },
            new() { Value = ticketId },
            new() { Value = now },
        },
    };
}
