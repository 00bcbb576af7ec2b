using System.Text.Json;
using System.Text.Json.Serialization;

namespace Zapnoty.Grains.Channels.Max;

/// <summary>
/// The Max Bot API's JSON, as much of it as the helpdesk reads or writes (schema 0.0.33):
/// snake_case, optional fields left out when null, and fields Max adds later ignored.
/// Times are Unix milliseconds.
/// </summary>
internal static class MaxJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}

/// <summary>A Max user or bot. <see cref="Name"/> is the older single-field name some updates still carry.</summary>
internal sealed record MaxUser(long UserId, string? FirstName, string? LastName, string? Name, string? Username, bool IsBot);

/// <summary>
/// One webhook body. Which fields are there depends on <see cref="UpdateType"/>: a message
/// (created, edited), a callback and its message (button press), or chat, user and payload
/// (bot_started).
/// </summary>
internal sealed record MaxUpdate(string? UpdateType, long Timestamp, MaxMessage? Message, MaxCallback? Callback, long? ChatId, MaxUser? User,
    string? Payload, string? UserLocale = null);

internal sealed record MaxMessage(MaxUser? Sender, MaxRecipient? Recipient, long Timestamp, MaxMessageBody? Body);

/// <summary>Where a message went: <see cref="ChatType"/> is <c>dialog</c> for a one-to-one chat with the bot.</summary>
internal sealed record MaxRecipient(long? ChatId, string? ChatType, long? UserId);

/// <summary>Attachments stay raw JSON: each type has its own payload, and one we do not know must not spoil the message.</summary>
internal sealed record MaxMessageBody(string? Mid, string? Text, IReadOnlyList<JsonElement>? Attachments);

internal sealed record MaxCallback(long Timestamp, string? CallbackId, string? Payload, MaxUser? User);

/// <summary>Every error answer: <c>{"code": "verify.token", "message": "..."}</c>.</summary>
internal sealed record MaxError(string? Code, string? Message);

/// <summary>The answer of subscribe, unsubscribe and callback answers.</summary>
internal sealed record MaxSimpleResult(bool Success, string? Message);

internal sealed record MaxSendResult(MaxMessage? Message);

/// <summary>
/// A message to send. No <c>format</c>: without it Max shows the text as typed, so markup
/// characters need no escaping and cannot break a message.
/// </summary>
internal sealed record MaxNewMessage(string Text, IReadOnlyList<MaxKeyboardAttachment>? Attachments);

internal sealed record MaxKeyboardAttachment(MaxKeyboard Payload)
{
    [JsonPropertyOrder(-1)] public string Type => "inline_keyboard";
}

internal sealed record MaxKeyboard(IReadOnlyList<IReadOnlyList<MaxCallbackButton>> Buttons);

internal sealed record MaxCallbackButton(string Text, string Payload)
{
    [JsonPropertyOrder(-1)] public string Type => "callback";
}

internal sealed record MaxSubscriptionRequest(string Url, IReadOnlyList<string> UpdateTypes, string Secret);

/// <summary>
/// The answer to a button press. Both fields are optional in the schema; sending neither just
/// acknowledges the press (the dialog's own message follows through the outbox).
/// </summary>
internal sealed record MaxCallbackAnswer(string? Notification = null);

/// <summary>The body of <c>POST /chats/{chatId}/actions</c>: <c>typing_on</c>, <c>sending_photo</c>, <c>mark_seen</c>…</summary>
internal sealed record MaxChatAction(string Action);

/// <summary>The answer of <c>POST /uploads</c>: where to upload, and (for files, video, audio) the token already.</summary>
internal sealed record MaxUploadSlot(string? Url, string? Token);

/// <summary>A message carrying one uploaded file, its text (when any) shown with it.</summary>
internal sealed record MaxNewFileMessage(string? Text, IReadOnlyList<MaxUploadedAttachment> Attachments);

/// <summary><c>{"type": "image" | "file", "payload": {"token": ...}}</c>.</summary>
internal sealed record MaxUploadedAttachment(string Type, MaxUploadToken Payload);

internal sealed record MaxUploadToken(string Token);
