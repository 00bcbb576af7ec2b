using System.Text.Json.Serialization;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Channels;

/// <summary>
/// What a customer did in a private chat with a bot, in messenger-neutral terms.
/// <see cref="Blocked"/>: they blocked or stopped the bot (the update's text is the reason);
/// <see cref="Unblocked"/>: they let it write to them again.
/// </summary>
[GenerateSerializer]
[Alias("Zapnoty.Grains.Channels.IncomingKind")]
public enum IncomingKind { Message, EditedMessage, Callback, Blocked, Unblocked }

/// <summary>
/// The person writing: their messenger user id, display name and @username, and the language of
/// their app when the update says (<see cref="BotLanguages.BotLanguage.FromTag"/>). The language is
/// kept beside the inbox's JSON (<c>channel_updates.language</c>), not in it, as silos of the
/// previous release read that JSON and refuse members they do not know.
/// </summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Channels.ChatUser")]
public sealed record ChatUser([property: Id(0)] string Id, [property: Id(1)] string? Name, [property: Id(2)] string? Username,
    [property: Id(3), JsonIgnore] string? Language = null);

/// <summary>
/// A file the customer sent, kept by reference (the messenger's file id), never copied: agents
/// fetch it through the messenger when they open it. <see cref="Url"/> is where the messenger
/// serves it, when it says (Max does, Telegram does not). A file an agent sent is kept by us
/// instead: <see cref="StoredId"/> names it in the file store (and <see cref="FileId"/> repeats it).
/// Such a file of a messenger reply has its own <see cref="Delivery"/> (and <see cref="DeliveryError"/>):
/// each file is sent on its own. Set when read, never stored in the attachment's JSON (null is not written).
/// </summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Channels.Attachment")]
public sealed record Attachment(
    [property: Id(0)] string Kind,          // photo | document | voice | video | audio | video_note | sticker
    [property: Id(1)] string FileId,
    [property: Id(2)] long? Size,
    [property: Id(3)] string? FileName,
    [property: Id(4)] string? MimeType,
    [property: Id(5)] string? Url = null,
    [property: Id(6)] Guid? StoredId = null,
    [property: Id(7), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Delivery? Delivery = null,
    [property: Id(8), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? DeliveryError = null);

/// <summary>
/// One update from a messenger, normalised. <see cref="Key"/> identifies it for
/// de-duplication (Telegram: the update_id; Max, which has none: the message mid, the
/// callback id, or the update's type, user and time). <see cref="Text"/> is the text or the media
/// caption; <see cref="MessageId"/> is the messenger's id of the message (edits refer to it).
/// <see cref="DialogChatId"/> is Max's chat id of the dialog, where chat actions ("typing…") go
/// (null for Telegram, whose chat id is <see cref="ChatId"/> itself). It is kept in
/// <c>channel_dialogs</c>, not in the inbox's JSON, which silos of the previous version read too.
/// <see cref="ThreadId"/> and <see cref="ChatTitle"/> are set only for a Telegram staff group (its forum topic and name),
/// and so is <see cref="ReplyToMessageId"/>: the message this one explicitly replies to (a reply to the bot's note prompt is a note).
/// </summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Channels.IncomingUpdate")]
public sealed record IncomingUpdate(
    [property: Id(0)] string Key,
    [property: Id(1)] IncomingKind Kind,
    [property: Id(2)] string ChatId,
    [property: Id(3)] ChatUser User,
    [property: Id(4)] string? Text,
    [property: Id(5)] IReadOnlyList<Attachment> Attachments,
    [property: Id(6)] string? MessageId,
    [property: Id(7)] string? CallbackId,
    [property: Id(8)] string? CallbackData,
    [property: Id(9)] DateTimeOffset At,
    [property: Id(10), JsonIgnore] string? DialogChatId = null,
    [property: Id(11), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ThreadId = null,
    [property: Id(12), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ChatTitle = null,
    [property: Id(13), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ReplyToMessageId = null)
{
    /// <summary>Telegram's groups have negative chat ids, private chats positive ones: a group's updates go to its staff group.</summary>
    public bool InGroup => ChatId.StartsWith('-');
}

/// <summary>A choice under a bot message (an inline keyboard button); <see cref="Data"/> comes back in the callback.</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Channels.ChoiceButton")]
public sealed record ChoiceButton([property: Id(0)] string Text, [property: Id(1)] string Data);

/// <summary>A plain-text message to a chat: no markup, so it arrives exactly as typed.</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Channels.OutgoingMessage")]
public sealed record OutgoingMessage([property: Id(0)] string ChatId, [property: Id(1)] string Text, [property: Id(2)] IReadOnlyList<ChoiceButton>? Buttons);

/// <summary>How one send went.</summary>
public abstract record SendOutcome
{
    /// <summary>Accepted by the messenger; its id of the message.</summary>
    public sealed record Sent(string? MessageId) : SendOutcome;
    /// <summary>Too many requests: try again after the wait the messenger asked for.</summary>
    public sealed record RetryAfter(TimeSpan Wait) : SendOutcome;
    /// <summary>The customer blocked the bot or left: nothing will reach them.</summary>
    public sealed record Blocked(string Reason) : SendOutcome;
    /// <summary>Any other failure; <paramref name="Permanent"/> ones are not retried (bad request, chat not found).</summary>
    public sealed record Failed(string Error, bool Permanent) : SendOutcome;
}

public sealed record BotIdentity(string BotId, string Username);

/// <summary>A messenger's Bot API, as the product uses it. One implementation per <see cref="Tickets.Channel"/>.</summary>
public interface IMessengerClient
{
    Channel Channel { get; }

    /// <summary>
    /// Checks the token and says which bot it is. A wrong token: <see cref="DomainException"/> Invalid on the
    /// field the token came in (<c>bot_token</c> for Telegram, <c>access_token</c> for Max).
    /// </summary>
    Task<BotIdentity> Identify(string token, CancellationToken cancellationToken);

    /// <summary>Points the bot's updates at our webhook route, with the secret the route will check.</summary>
    Task Subscribe(string token, string webhookUrl, string secret, CancellationToken cancellationToken);

    Task Unsubscribe(string token, string webhookUrl, CancellationToken cancellationToken);

    /// <summary>Sends one message. Never retries by itself: the caller's queue decides.</summary>
    Task<SendOutcome> Send(string token, OutgoingMessage message, CancellationToken cancellationToken);

    /// <summary>
    /// Sends one file an agent attached (<see cref="Attachment.Kind"/> <c>photo</c> or <c>document</c>),
    /// with <see cref="OutgoingMessage.Text"/> as its caption when not empty. <paramref name="content"/>
    /// is read once, streaming. Never retries by itself.
    /// </summary>
    Task<SendOutcome> SendFile(string token, OutgoingMessage message, Attachment file, Stream content, CancellationToken cancellationToken);

    /// <summary>
    /// Opens a file the customer sent, streaming, for an agent to see. Never throws for what the
    /// messenger answers: too large, no usable address and upstream failures are outcomes.
    /// </summary>
    Task<AttachmentDownload> OpenAttachment(string token, Attachment attachment, CancellationToken cancellationToken);

    /// <summary>Stops the button's spinner after a press; <paramref name="notice"/>, when given, is shown briefly to the customer.</summary>
    Task AnswerCallback(string token, string callbackId, string? notice, CancellationToken cancellationToken);

    /// <summary>The link that opens a chat with the bot and starts it with <paramref name="payload"/>.</summary>
    string DeepLink(string username, string payload);

    /// <summary>Shows "typing…" in the chat for a few seconds. Best effort: what the messenger answers is only logged.</summary>
    Task Typing(string token, string chatId, CancellationToken cancellationToken);
}
