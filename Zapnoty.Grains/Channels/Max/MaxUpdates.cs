using System.Globalization;
using System.Text.Json;

namespace Zapnoty.Grains.Channels.Max;

/// <summary>
/// Turns what Max posts to our webhook into an <see cref="IncomingUpdate"/>, or into null for
/// everything a helpdesk ignores: other update types, group chats and channels, bots, and
/// messages with neither text nor a file.
/// <para>
/// The chat of an update is the customer's <b>user id</b>, not Max's dialog chat id: it is what
/// <c>POST /messages?user_id=</c> sends to, what every update carries (a button press under a
/// deleted message has no chat at all), and the customer's external id on tickets, which the
/// outbox matches to mark a customer who stopped the bot unreachable.
/// </para>
/// <para>
/// Max updates have no id, so the de-duplication key is built from what identifies the event:
/// the message mid (with the edit's time for edits, since one message can be edited again and
/// again), the callback id, or for bot_started the user and the time.
/// </para>
/// </summary>
public static class MaxUpdates
{
    /// <summary>
    /// The update types the helpdesk subscribes to; everything else stays at Max. bot_stopped says a
    /// customer stopped (blocked) the bot; bot_started that they started it again.
    /// </summary>
    public static readonly IReadOnlyList<string> Wanted = ["message_created", "message_edited", "bot_started", "message_callback", "bot_stopped"];

    /// <summary>
    /// Parses a webhook body as Max sends it. Malformed JSON is null, not an exception: the route
    /// still answers 200, or Max re-sends the same bad body for hours.
    /// </summary>
    public static IncomingUpdate? Parse(string json, DateTimeOffset receivedAt)
    {
        MaxUpdate? update;
        try
        {
            update = JsonSerializer.Deserialize<MaxUpdate>(json, MaxJson.Options);
        }
        catch (JsonException)
        {
            return null;
        }
        return update is null ? null : Parse(update, receivedAt);
    }

    internal static IncomingUpdate? Parse(MaxUpdate update, DateTimeOffset receivedAt)
    {
        var at = update.Timestamp > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(update.Timestamp) : receivedAt;
        return update switch
        {
            { UpdateType: "message_created", Message: { } message } => FromMessage(IncomingKind.Message, update, message, at),
            { UpdateType: "message_edited", Message: { } message } => FromMessage(IncomingKind.EditedMessage, update, message, at),
            { UpdateType: "message_callback", Callback: { } callback } => FromCallback(update, callback, at),
            { UpdateType: "bot_started", User: { } user } => FromStart(update, user, at),
            { UpdateType: "bot_stopped", User: { } user } => FromStop(update, user, at),
            _ => null,
        };
    }

    private static IncomingUpdate? FromMessage(IncomingKind kind, MaxUpdate update, MaxMessage message, DateTimeOffset at)
    {
        if (message.Recipient?.ChatType != "dialog" || message.Sender is not { IsBot: false } sender || !IsUserId(sender.UserId))
            return null;
        var body = message.Body;
        var text = string.IsNullOrEmpty(body?.Text) ? null : body.Text;
        var attachments = AttachmentsOf(body);
        if (text is null && attachments.Count == 0)
            return null;
        var mid = string.IsNullOrEmpty(body?.Mid) ? null : body.Mid;
        var key = (kind, mid) switch
        {
            (IncomingKind.Message, not null) => $"{update.UpdateType}:{mid}",
            (_, not null) => $"{update.UpdateType}:{mid}:{update.Timestamp}",
            _ => EventKey(update, sender.UserId),
        };
        return new IncomingUpdate(key, kind, ChatIdOf(sender), UserOf(sender, update), text, attachments, mid, CallbackId: null, CallbackData: null, at,
            DialogOf(message.Recipient.ChatId));
    }

    private static IncomingUpdate? FromCallback(MaxUpdate update, MaxCallback callback, DateTimeOffset at)
    {
        // Our buttons are only ever in dialogs; a press under a group message is not ours to handle.
        if (update.Message is { Recipient.ChatType: not "dialog" } || callback.User is not { IsBot: false } user || !IsUserId(user.UserId)
            || string.IsNullOrEmpty(callback.CallbackId))
            return null;
        var pressedAt = callback.Timestamp > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(callback.Timestamp) : at;
        var mid = update.Message?.Body?.Mid;
        return new IncomingUpdate($"{update.UpdateType}:{callback.CallbackId}", IncomingKind.Callback, ChatIdOf(user), UserOf(user, update), Text: null, [],
            string.IsNullOrEmpty(mid) ? null : mid, callback.CallbackId, callback.Payload, pressedAt, DialogOf(update.Message?.Recipient?.ChatId));
    }

    /// <summary>
    /// The Start button, from a deep link or not: the dialog knows it as the command
    /// <c>/start PAYLOAD</c>, exactly what Telegram sends for <c>t.me/bot?start=PAYLOAD</c>.
    /// </summary>
    private static IncomingUpdate? FromStart(MaxUpdate update, MaxUser user, DateTimeOffset at)
    {
        if (user.IsBot || !IsUserId(user.UserId))
            return null;
        var text = string.IsNullOrWhiteSpace(update.Payload) ? "/start" : $"/start {update.Payload.Trim()}";
        return new IncomingUpdate(EventKey(update, user.UserId), IncomingKind.Message, ChatIdOf(user), UserOf(user, update), text, [],
            MessageId: null, CallbackId: null, CallbackData: null, at, DialogOf(update.ChatId));
    }

    /// <summary>
    /// The customer stopped the bot: nothing reaches them until they start it again (which arrives
    /// as bot_started, a message the dialog answers, and so makes them reachable).
    /// </summary>
    private static IncomingUpdate? FromStop(MaxUpdate update, MaxUser user, DateTimeOffset at) =>
        user.IsBot || !IsUserId(user.UserId)
            ? null
            : new IncomingUpdate(EventKey(update, user.UserId), IncomingKind.Blocked, ChatIdOf(user), UserOf(user, update), "The customer stopped the bot in Max.", [],
                MessageId: null, CallbackId: null, CallbackData: null, at);

    /// <summary>The dialog's chat id, where chat actions go; absent or not a Max id, none.</summary>
    private static string? DialogOf(long? chatId) => chatId is { } id and not 0 ? id.ToString(CultureInfo.InvariantCulture) : null;

    /// <summary>For events without an id of their own: a user does one thing of a kind per millisecond at most.</summary>
    private static string EventKey(MaxUpdate update, long userId) =>
        string.Create(CultureInfo.InvariantCulture, $"{update.UpdateType}:{userId}:{update.Timestamp}");

    /// <summary>
    /// Files by their reusable token (Max's equivalent of a file id) and download URL. Image and
    /// file become photo and document, the kinds the dashboard already knows from Telegram.
    /// Locations, contacts, link previews and keyboards carry no file and are left out.
    /// </summary>
    private static List<Attachment> AttachmentsOf(MaxMessageBody? body)
    {
        var attachments = new List<Attachment>();
        foreach (var item in body?.Attachments ?? [])
        {
            if (item.ValueKind != JsonValueKind.Object) continue;
            var kind = TextOf(item, "type") switch
            {
                "image" => "photo",
                "file" => "document",
                "audio" => "audio",
                "video" => "video",
                "sticker" => "sticker",
                _ => null,
            };
            if (kind is null || !item.TryGetProperty("payload", out var payload) || payload.ValueKind != JsonValueKind.Object) continue;
            var url = TextOf(payload, "url");
            // A sticker is known by its code; an image without a token still has its photo id.
            var fileId = TextOf(payload, "token") ?? TextOf(payload, "code") ?? NumberOf(payload, "photo_id")?.ToString(CultureInfo.InvariantCulture) ?? url;
            if (string.IsNullOrEmpty(fileId)) continue;
            attachments.Add(new Attachment(kind, fileId, NumberOf(item, "size"), TextOf(item, "filename"), MimeType: null, url));
        }
        return attachments;
    }

    private static string? TextOf(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : null;

    private static long? NumberOf(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) ? number : null;

    /// <summary>The person, with the language of their app when the update says (<c>user_locale</c>, "ru-RU"; Max sends it in dialogs).</summary>
    private static ChatUser UserOf(MaxUser user, MaxUpdate update)
    {
        var name = $"{user.FirstName} {user.LastName}".Trim();
        if (name.Length == 0) name = user.Name?.Trim() ?? "";
        return new ChatUser(user.UserId.ToString(CultureInfo.InvariantCulture), name.Length > 0 ? name : null,
            string.IsNullOrEmpty(user.Username) ? null : user.Username, BotLanguages.BotLanguage.FromTag(update.UserLocale));
    }

    private static string ChatIdOf(MaxUser user) => user.UserId.ToString(CultureInfo.InvariantCulture);

    private static bool IsUserId(long id) => id > 0;
}
