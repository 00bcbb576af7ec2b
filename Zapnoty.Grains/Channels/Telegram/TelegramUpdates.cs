using System.Globalization;
using System.Text.Json;
using Telegram.Bot;
using Telegram.Bot.Types;
using Telegram.Bot.Types.Enums;

namespace Zapnoty.Grains.Channels.Telegram;

/// <summary>
/// Turns what Telegram posts to our webhook into an <see cref="IncomingUpdate"/>, or into null for
/// everything a helpdesk ignores: other update kinds, basic groups and channels, other bots, and
/// service messages that carry neither text nor a file. Supergroups are passed on: a linked
/// one is the project's staff group (see <c>StaffGroupGrain</c>); the others are claimed and ignored there.
/// </summary>
public static class TelegramUpdates
{
    /// <summary>
    /// Parses a webhook body as Telegram sends it. Malformed JSON is null, not an exception: the
    /// route should still answer 2xx, or Telegram re-sends the same bad body again and again.
    /// </summary>
    public static IncomingUpdate? Parse(string json, DateTimeOffset receivedAt)
    {
        Update? update;
        try
        {
            update = JsonSerializer.Deserialize<Update>(json, JsonBotAPI.Options);
        }
        catch (JsonException)
        {
            return null;
        }
        return update is null ? null : Parse(update, receivedAt);
    }

    /// <param name="update">An update as Telegram.Bot deserializes it (<see cref="JsonBotAPI.Options"/>).</param>
    /// <param name="receivedAt">When the webhook got it: the time of a button press, which Telegram does not date.</param>
    public static IncomingUpdate? Parse(Update update, DateTimeOffset receivedAt)
    {
        // update_id is positive and the only de-duplication key; without one the update cannot be told from a re-send.
        if (update.Id <= 0)
            return null;
        var key = update.Id.ToString(CultureInfo.InvariantCulture);
        return update switch
        {
            { Message: { } message } => FromMessage(key, IncomingKind.Message, message, At(message.Date)),
            // An edit is dated by when it was made; its message id says which message it changes.
            { EditedMessage: { } edited } => FromMessage(key, IncomingKind.EditedMessage, edited, At(edited.EditDate ?? edited.Date)),
            { CallbackQuery: { } callback } => FromCallback(key, callback, receivedAt),
            { MyChatMember: { } membership } => FromMembership(key, membership),
            _ => null,
        };
    }

    private static IncomingUpdate? FromMessage(string key, IncomingKind kind, Message message, DateTimeOffset at)
    {
        // Chat and sender are never missing in what Telegram sends, but a forged body must not become an exception.
        if (message.Chat is not { Type: ChatType.Private or ChatType.Supergroup } chat || message.From is not { IsBot: false } from)
            return null;
        var text = message.Text ?? message.Caption;
        var attachments = AttachmentsOf(message);
        if (text is null && attachments.Count == 0)
            return null;
        return new IncomingUpdate(key, kind, ChatIdOf(chat), UserOf(from), text, attachments,
            message.Id.ToString(CultureInfo.InvariantCulture), CallbackId: null, CallbackData: null, at, ThreadId: ThreadOf(message), ChatTitle: TitleOf(chat),
            ReplyToMessageId: ReplyOf(message));
    }

    private static IncomingUpdate? FromCallback(string key, CallbackQuery callback, DateTimeOffset receivedAt)
    {
        // Buttons under inline-mode messages have no chat message; in a supergroup they are a staff group's.
        if (callback.Message is not { Chat.Type: ChatType.Private or ChatType.Supergroup } message || callback.From is not { IsBot: false } from
            || string.IsNullOrEmpty(callback.Id))
            return null;
        return new IncomingUpdate(key, IncomingKind.Callback, ChatIdOf(message.Chat), UserOf(from), Text: null, [],
            message.Id.ToString(CultureInfo.InvariantCulture), callback.Id, callback.Data, receivedAt, ThreadId: ThreadOf(message),
            ChatTitle: TitleOf(message.Chat));
    }

    /// <summary>
    /// The bot's own membership in a private chat: <c>kicked</c> is the customer blocking the bot,
    /// <c>member</c> is them unblocking (or starting) it. Telegram tells us at once, so the customer is
    /// known to be unreachable before the next reply fails on it.
    /// </summary>
    private static IncomingUpdate? FromMembership(string key, ChatMemberUpdated membership)
    {
        if (membership.Chat is { Type: ChatType.Supergroup } group && membership.From is { } by)
            return FromGroupMembership(key, membership, group, by);
        if (membership.Chat is not { Type: ChatType.Private } chat || membership.From is not { IsBot: false } from)
            return null;
        IncomingKind? kind = membership.NewChatMember?.Status switch
        {
            ChatMemberStatus.Kicked => IncomingKind.Blocked,
            ChatMemberStatus.Member => IncomingKind.Unblocked,
            _ => null,
        };
        var reason = kind == IncomingKind.Blocked ? "The customer blocked the bot in Telegram." : null;
        return kind is { } known
            ? new IncomingUpdate(key, known, ChatIdOf(chat), UserOf(from), reason, [], MessageId: null, CallbackId: null, CallbackData: null,
                At(membership.Date))
            : null;
    }

    /// <summary>
    /// The bot's own membership in a supergroup (a staff group): removed, or no longer an
    /// administrator, it can no longer answer there (<see cref="IncomingKind.Blocked"/>, the reason as text).
    /// </summary>
    private static IncomingUpdate? FromGroupMembership(string key, ChatMemberUpdated membership, Chat group, User by)
    {
        var reason = membership.NewChatMember?.Status switch
        {
            ChatMemberStatus.Kicked or ChatMemberStatus.Left => "The bot was removed from the group.",
            ChatMemberStatus.Member or ChatMemberStatus.Restricted => "The bot is no longer an administrator of the group.",
            _ => null,
        };
        return new IncomingUpdate(key, reason is null ? IncomingKind.Unblocked : IncomingKind.Blocked, ChatIdOf(group), UserOf(by), reason, [],
            MessageId: null, CallbackId: null, CallbackData: null, At(membership.Date), ChatTitle: TitleOf(group));
    }

    /// <summary>The forum topic a group message is in; null in a private chat and in a group's General topic.</summary>
    private static string? ThreadOf(Message message) =>
        message.Chat.Type == ChatType.Supergroup && message.IsTopicMessage && message.MessageThreadId is { } thread
            ? thread.ToString(CultureInfo.InvariantCulture)
            : null;

    /// <summary>
    /// The group message this one replies to. In a topic, Telegram sets reply_to_message on every
    /// message, to the topic's creation message when it answers nothing in particular: that one is no reply.
    /// </summary>
    private static string? ReplyOf(Message message) =>
        message.Chat.Type == ChatType.Supergroup && message.ReplyToMessage is { } replied && replied.Id != message.MessageThreadId
            ? replied.Id.ToString(CultureInfo.InvariantCulture)
            : null;

    private static string? TitleOf(Chat chat) => chat.Type == ChatType.Supergroup ? chat.Title : null;

    private static List<Attachment> AttachmentsOf(Message message)
    {
        var attachments = new List<Attachment>();
        void Add(string kind, FileBase? file, string? fileName = null, string? mimeType = null)
        {
            // A file without an id could never be fetched or forwarded: nothing to keep.
            if (!string.IsNullOrEmpty(file?.FileId))
                attachments.Add(new Attachment(kind, file.FileId, file.FileSize, fileName, mimeType));
        }

        // Telegram sends one photo in several sizes, smallest first; the largest is the one worth keeping.
        Add("photo", message.Photo?.MaxBy(size => ((long)size.Width * size.Height, size.FileSize ?? 0)));
        // An animation (GIF) arrives with a document too, so it is kept as that document.
        Add("document", message.Document, message.Document?.FileName, message.Document?.MimeType);
        Add("voice", message.Voice, mimeType: message.Voice?.MimeType);
        Add("video", message.Video, message.Video?.FileName, message.Video?.MimeType);
        Add("audio", message.Audio, message.Audio?.FileName, message.Audio?.MimeType);
        Add("video_note", message.VideoNote);
        Add("sticker", message.Sticker);
        return attachments;
    }

    private static ChatUser UserOf(User user)
    {
        var name = $"{user.FirstName} {user.LastName}".Trim();
        return new ChatUser(user.Id.ToString(CultureInfo.InvariantCulture), name.Length > 0 ? name : null, user.Username,
            BotLanguages.BotLanguage.FromTag(user.LanguageCode));
    }

    private static string ChatIdOf(Chat chat) => chat.Id.ToString(CultureInfo.InvariantCulture);

    // Telegram dates are Unix seconds, read by Telegram.Bot as UTC.
    private static DateTimeOffset At(DateTime date) => new(DateTime.SpecifyKind(date, DateTimeKind.Utc));
}
