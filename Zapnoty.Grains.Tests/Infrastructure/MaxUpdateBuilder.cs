using System.Text.Json.Nodes;

namespace Zapnoty.Grains.Tests.Infrastructure;

/// <summary>
/// Someone on Max. <see cref="UserId"/> is what our sends go to (and what
/// <see cref="FakeMaxServer.Sent"/> filters on); <see cref="DialogId"/> is Max's id of their chat
/// with the bot, which updates carry too but the helpdesk does not address.
/// </summary>
/// <see cref="Locale"/> is the language of their app, which Max sends as <c>user_locale</c> with their updates (null: not sent).
public sealed record MaxCustomer(long UserId, string FirstName, string? LastName = null, string? Username = null, bool IsBot = false,
    string? Locale = null)
{
    private static long _lastId = 40_000_000 + Random.Shared.Next(10_000_000);

    public long DialogId => -(UserId * 7 + 3);

    public static MaxCustomer New(string firstName = "Anna", string? lastName = "Petrova", string? username = "anna_petrova") =>
        new(Interlocked.Increment(ref _lastId), firstName, lastName, username);
}

/// <summary>
/// Webhook bodies as Max posts them (snake_case, times in Unix milliseconds), to POST to our
/// webhook route or to parse. Message ids (mid) and callback ids are fresh unless given; a test
/// that re-sends an update (Max does, until it gets a 200) just posts the same string again.
/// </summary>
public static class MaxUpdateBuilder
{
    private static long _lastSeq = 100_000 + Random.Shared.Next(100_000);

    public static string NextMid() => $"mid.{Guid.NewGuid():N}";

    public static string NewCallbackId() => $"cb.{Guid.NewGuid():N}";

    /// <summary>The user pressed Start, through <c>https://max.ru/bot?start=PAYLOAD</c> when a payload is given.</summary>
    public static string Started(MaxCustomer from, string? payload = null, DateTimeOffset? at = null) =>
        Compact(new JsonObject
        {
            ["update_type"] = "bot_started",
            ["timestamp"] = Millis(at),
            ["chat_id"] = from.DialogId,
            ["user"] = User(from),
            ["payload"] = payload,
            ["user_locale"] = from.Locale,
        }).ToJsonString();

    /// <summary>A text message in the dialog with the bot.</summary>
    public static string Text(MaxCustomer from, string text, string? mid = null, DateTimeOffset? at = null) =>
        Created(from, Body(mid, text), at);

    /// <summary>
    /// A message with one attachment: <paramref name="type"/> is image, file, audio, video or
    /// sticker; the payload is as Max sends it (image: photo_id, token, url; file: token, url and
    /// filename and size beside the payload).
    /// </summary>
    /// <paramref name="url"/> replaces the payload's download URL (a file the fake serves, or one on a foreign host).
    public static string Attachment(MaxCustomer from, string type, string token, string? caption = null, string? fileName = null, long? size = null,
        string? mid = null, string? url = null)
    {
        var attachment = AttachmentJson(type, token, fileName, size);
        if (url is not null) attachment["payload"]!["url"] = url;
        return Created(from, Body(mid, caption, attachment));
    }

    /// <summary>The customer edited message <paramref name="mid"/> to read <paramref name="newText"/>.</summary>
    public static string Edited(MaxCustomer from, string mid, string newText, DateTimeOffset? editedAt = null) =>
        new JsonObject
        {
            ["update_type"] = "message_edited",
            ["timestamp"] = Millis(editedAt),
            ["message"] = Message(from, DialogRecipient(from), Body(mid, newText), editedAt?.AddMinutes(-1)),
        }.ToJsonString();

    /// <summary>The customer pressed the callback button with <paramref name="payload"/> under the bot's message <paramref name="messageMid"/>.</summary>
    public static string Callback(MaxCustomer from, string payload, string? messageMid = null, string? callbackId = null, FakeMaxBot? bot = null,
        DateTimeOffset? at = null)
    {
        var pressed = Millis(at);
        var update = new JsonObject
        {
            ["update_type"] = "message_callback",
            ["timestamp"] = pressed,
            ["callback"] = new JsonObject
            {
                ["timestamp"] = pressed, ["callback_id"] = callbackId ?? NewCallbackId(), ["payload"] = payload, ["user"] = User(from),
            },
            ["user_locale"] = from.Locale,
        };
        if (messageMid is not null)
        {
            var botUser = new JsonObject
            {
                ["user_id"] = bot?.Id ?? 9_000_001, ["first_name"] = "Support", ["username"] = bot?.Username ?? "support_bot", ["is_bot"] = true,
            };
            var body = Body(messageMid, "Thanks! What is it about?");
            body["attachments"] = new JsonArray(new JsonObject
            {
                ["type"] = "inline_keyboard",
                ["payload"] = new JsonObject
                {
                    ["buttons"] = new JsonArray(new JsonArray(new JsonObject { ["type"] = "callback", ["text"] = "Choice", ["payload"] = payload })),
                },
            });
            update["message"] = new JsonObject
            {
                ["sender"] = botUser,
                ["recipient"] = DialogRecipient(from),
                ["timestamp"] = pressed - 60_000,
                ["body"] = body,
            };
        }
        return update.ToJsonString();
    }

    /// <summary>A message in a group chat the bot reads (ignored: only dialogs are tickets).</summary>
    public static string GroupText(MaxCustomer from, long groupChatId, string text) =>
        new JsonObject
        {
            ["update_type"] = "message_created",
            ["timestamp"] = Millis(null),
            ["message"] = Message(from, new JsonObject { ["chat_id"] = groupChatId, ["chat_type"] = "chat" }, Body(null, text), null),
        }.ToJsonString();

    /// <summary>The customer stopped (blocked) the bot.</summary>
    public static string BotStopped(MaxCustomer from, DateTimeOffset? at = null) =>
        new JsonObject { ["update_type"] = "bot_stopped", ["timestamp"] = Millis(at), ["chat_id"] = from.DialogId, ["user"] = User(from), ["user_locale"] = from.Locale }
            .ToJsonString();

    private static string Created(MaxCustomer from, JsonObject body, DateTimeOffset? at = null) =>
        new JsonObject
        {
            ["update_type"] = "message_created",
            ["timestamp"] = Millis(at),
            ["message"] = Message(from, DialogRecipient(from), body, at),
            ["user_locale"] = from.Locale,
        }.ToJsonString();

    private static JsonObject Message(MaxCustomer from, JsonObject recipient, JsonObject body, DateTimeOffset? at) => new()
    {
        ["sender"] = User(from),
        ["recipient"] = recipient,
        ["timestamp"] = Millis(at),
        ["body"] = body,
    };

    private static JsonObject Body(string? mid, string? text, JsonObject? attachment = null)
    {
        var body = Compact(new JsonObject { ["mid"] = mid ?? NextMid(), ["seq"] = Interlocked.Increment(ref _lastSeq), ["text"] = text });
        if (attachment is not null) body["attachments"] = new JsonArray(attachment);
        return body;
    }

    private static JsonObject AttachmentJson(string type, string token, string? fileName, long? size) => type switch
    {
        "image" => new JsonObject
        {
            ["type"] = "image",
            ["payload"] = new JsonObject { ["photo_id"] = 4_215_550_001, ["token"] = token, ["url"] = $"https://i.oneme.ru/i?r={token}" },
        },
        "sticker" => new JsonObject
        {
            ["type"] = "sticker", ["payload"] = new JsonObject { ["url"] = "https://st.max.ru/s/1.webp", ["code"] = token }, ["width"] = 512, ["height"] = 512,
        },
        "file" => Compact(new JsonObject
        {
            ["type"] = "file",
            ["payload"] = new JsonObject { ["url"] = $"https://fd.oneme.ru/f/{token}", ["token"] = token },
            ["filename"] = fileName ?? "document.pdf",
            ["size"] = size ?? 52_113,
        }),
        _ => new JsonObject
        {
            ["type"] = type, ["payload"] = new JsonObject { ["url"] = $"https://vd.oneme.ru/{type}/{token}", ["token"] = token },
        },
    };

    private static JsonObject DialogRecipient(MaxCustomer to) => new() { ["chat_id"] = to.DialogId, ["chat_type"] = "dialog", ["user_id"] = 9_000_001 };

    private static JsonObject User(MaxCustomer user) => Compact(new JsonObject
    {
        ["user_id"] = user.UserId,
        ["first_name"] = user.FirstName,
        ["last_name"] = user.LastName,
        ["username"] = user.Username,
        ["is_bot"] = user.IsBot,
        ["last_activity_time"] = Millis(null),
    });

    private static long Millis(DateTimeOffset? at) => (at ?? DateTimeOffset.UtcNow).ToUnixTimeMilliseconds();

    private static JsonObject Compact(JsonObject node)
    {
        foreach (var name in node.Where(p => p.Value is null).Select(p => p.Key).ToList())
            node.Remove(name);
        return node;
    }
}
