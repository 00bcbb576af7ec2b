using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Zapnoty.Grains.Tests.Infrastructure;

/// <summary>
/// Someone on Telegram. In a private chat with a bot the chat id is the user's id, so
/// <see cref="ChatId"/> is what our sends go to and what <see cref="FakeTelegramServer.Sent"/> filters on.
/// </summary>
public sealed record TelegramCustomer(long Id, string FirstName, string? LastName = null, string? Username = null, bool IsBot = false,
    string? LanguageCode = "en")
{
    private static long _lastId = 500_000_000 + Random.Shared.Next(100_000_000);

    public long ChatId => Id;

    /// <summary>A customer with a fresh id (unique within the test run).</summary>
    public static TelegramCustomer New(string firstName = "Anna", string? lastName = "Petrova", string? username = "anna_petrova") =>
        new(Interlocked.Increment(ref _lastId), firstName, lastName, username);
}

/// <summary>
/// Webhook bodies as Telegram posts them (snake_case Bot API JSON, optional fields left out),
/// to POST to our webhook route or to parse. Update and message ids are fresh unless given; a
/// test that re-sends one body (Telegram does, until it gets a 2xx) just posts the same string again.
/// </summary>
public static class TelegramUpdateBuilder
{
    private static long _lastUpdateId = 800_000_000 + Random.Shared.Next(100_000_000);
    private static int _lastMessageId = 1_000 + Random.Shared.Next(100_000);

    /// <summary>The bot that sent the messages whose buttons are pressed in <see cref="Callback"/>, unless one is given.</summary>
    public static FakeBot DefaultBot { get; } = new("7000000001:AAHdefaultdefaultdefaultdefaultdefa", 7_000_000_001, "zapnoty_support_bot");

    public static long NextUpdateId() => Interlocked.Increment(ref _lastUpdateId);

    public static int NextMessageId() => Interlocked.Increment(ref _lastMessageId);

    /// <summary>A private text message from <paramref name="from"/>.</summary>
    public static string Text(TelegramCustomer from, string text, int? messageId = null, long? updateId = null, DateTimeOffset? date = null) =>
        Update(updateId, "message", Message(from, PrivateChat(from), messageId, date, m => m["text"] = text));

    /// <summary>What a deep link <c>t.me/bot?start=PAYLOAD</c> produces: the text <c>/start PAYLOAD</c> as a bot command.</summary>
    public static string Start(TelegramCustomer from, string? payload = null, int? messageId = null, long? updateId = null)
    {
        var text = payload is null ? "/start" : $"/start {payload}";
        return Update(updateId, "message", Message(from, PrivateChat(from), messageId, null, m =>
        {
            m["text"] = text;
            m["entities"] = new JsonArray(new JsonObject { ["offset"] = 0, ["length"] = 6, ["type"] = "bot_command" });
        }));
    }

    /// <summary>
    /// A photo, which Telegram sends in several sizes: <c>{fileId}-90</c>, <c>{fileId}-320</c> and
    /// the largest, <paramref name="fileId"/> itself (<paramref name="fileSize"/> bytes, 1280×960).
    /// </summary>
    public static string Photo(TelegramCustomer from, string? caption = null, string fileId = "AgACAgIAAxkBAAIBQ2photo", long fileSize = 184_311,
        int? messageId = null, long? updateId = null) =>
        Update(updateId, "message", Message(from, PrivateChat(from), messageId, null, m =>
        {
            m["photo"] = new JsonArray(
                PhotoSize($"{fileId}-90", 90, 67, 1_398),
                PhotoSize($"{fileId}-320", 320, 240, 17_905),
                PhotoSize(fileId, 1280, 960, fileSize));
            Caption(m, caption);
        }));

    /// <summary>A file sent as a document.</summary>
    public static string Document(TelegramCustomer from, string fileName = "invoice.pdf", string mimeType = "application/pdf", long fileSize = 52_113,
        string fileId = "BQACAgIAAxkBAAIBRGdocument", string? caption = null, int? messageId = null, long? updateId = null) =>
        Update(updateId, "message", Message(from, PrivateChat(from), messageId, null, m =>
        {
            m["document"] = new JsonObject
            {
                ["file_name"] = fileName, ["mime_type"] = mimeType, ["file_id"] = fileId, ["file_unique_id"] = Unique(fileId), ["file_size"] = fileSize,
            };
            Caption(m, caption);
        }));

    /// <summary>A voice note (OGG/Opus, no file name: Telegram has none for voice).</summary>
    public static string Voice(TelegramCustomer from, string fileId = "AwACAgIAAxkBAAIBRXvoice", long fileSize = 9_512, int duration = 3,
        int? messageId = null, long? updateId = null) =>
        Media(from, "voice", new JsonObject
        {
            ["duration"] = duration, ["mime_type"] = "audio/ogg", ["file_id"] = fileId, ["file_unique_id"] = Unique(fileId), ["file_size"] = fileSize,
        }, null, messageId, updateId);

    public static string Video(TelegramCustomer from, string fileId = "BAACAgIAAxkBAAIBRnvideo", long fileSize = 1_204_113, string? fileName = "clip.mp4",
        string? caption = null, int? messageId = null, long? updateId = null) =>
        Media(from, "video", Compact(new JsonObject
        {
            ["duration"] = 7, ["width"] = 720, ["height"] = 1280, ["file_name"] = fileName, ["mime_type"] = "video/mp4",
            ["file_id"] = fileId, ["file_unique_id"] = Unique(fileId), ["file_size"] = fileSize,
        }), caption, messageId, updateId);

    public static string Audio(TelegramCustomer from, string fileId = "CQACAgIAAxkBAAIBR2audio", long fileSize = 3_402_001, string? fileName = "song.mp3",
        int? messageId = null, long? updateId = null) =>
        Media(from, "audio", Compact(new JsonObject
        {
            ["duration"] = 201, ["file_name"] = fileName, ["mime_type"] = "audio/mpeg", ["title"] = "Song", ["performer"] = "Band",
            ["file_id"] = fileId, ["file_unique_id"] = Unique(fileId), ["file_size"] = fileSize,
        }), null, messageId, updateId);

    /// <summary>A round video message (no file name or MIME type in Telegram's JSON).</summary>
    public static string VideoNote(TelegramCustomer from, string fileId = "DQACAgIAAxkBAAIBSHvnote", long fileSize = 401_222,
        int? messageId = null, long? updateId = null) =>
        Media(from, "video_note", new JsonObject
        {
            ["duration"] = 4, ["length"] = 384, ["file_id"] = fileId, ["file_unique_id"] = Unique(fileId), ["file_size"] = fileSize,
        }, null, messageId, updateId);

    public static string Sticker(TelegramCustomer from, string fileId = "CAACAgIAAxkBAAIBSXsticker", long fileSize = 24_017,
        int? messageId = null, long? updateId = null) =>
        Media(from, "sticker", new JsonObject
        {
            ["width"] = 512, ["height"] = 512, ["emoji"] = "👍", ["set_name"] = "HotCherry", ["is_animated"] = false, ["is_video"] = false,
            ["type"] = "regular", ["file_id"] = fileId, ["file_unique_id"] = Unique(fileId), ["file_size"] = fileSize,
        }, null, messageId, updateId);

    /// <summary>
    /// The customer edited their message <paramref name="messageId"/> (sent at <paramref name="sentAt"/>,
    /// edited at <paramref name="editedAt"/>) so that it now reads <paramref name="newText"/>.
    /// </summary>
    public static string EditedText(TelegramCustomer from, int messageId, string newText, DateTimeOffset? sentAt = null, DateTimeOffset? editedAt = null,
        long? updateId = null)
    {
        var editDate = editedAt ?? DateTimeOffset.UtcNow;
        return Update(updateId, "edited_message", Message(from, PrivateChat(from), messageId, sentAt ?? editDate.AddMinutes(-1), m =>
        {
            m["edit_date"] = editDate.ToUnixTimeSeconds();
            m["text"] = newText;
        }));
    }

    /// <summary>
    /// The customer pressed the button with <paramref name="data"/> under the bot's message
    /// <paramref name="messageId"/> (which read <paramref name="messageText"/>).
    /// </summary>
    public static string Callback(TelegramCustomer from, string data, int messageId, string? callbackId = null, string messageText = "Was your question answered?",
        FakeBot? bot = null, long? updateId = null)
    {
        var botUser = BotUser(bot ?? DefaultBot);
        var message = Compact(new JsonObject
        {
            ["message_id"] = messageId,
            ["from"] = botUser,
            ["chat"] = PrivateChat(from),
            ["date"] = DateTimeOffset.UtcNow.AddMinutes(-2).ToUnixTimeSeconds(),
            ["text"] = messageText,
            ["reply_markup"] = new JsonObject
            {
                ["inline_keyboard"] = new JsonArray(new JsonArray(new JsonObject { ["text"] = "Choice", ["callback_data"] = data })),
            },
        });
        var callback = new JsonObject
        {
            ["id"] = callbackId ?? NewCallbackId(),
            ["from"] = User(from),
            ["message"] = message,
            ["chat_instance"] = $"-{from.Id}{from.Id % 997}",
            ["data"] = data,
        };
        return Update(updateId, "callback_query", callback);
    }

    /// <summary>
    /// The customer changed the bot's membership of their private chat: <c>kicked</c> when they
    /// block it, <c>member</c> when they unblock it (what Telegram sends as my_chat_member).
    /// </summary>
    public static string MyChatMember(TelegramCustomer from, string newStatus, FakeBot? bot = null, long? updateId = null, DateTimeOffset? date = null)
    {
        var botUser = BotUser(bot ?? DefaultBot);
        JsonObject Member(string status) => new() { ["user"] = botUser.DeepClone(), ["status"] = status };
        var change = new JsonObject
        {
            ["chat"] = PrivateChat(from),
            ["from"] = User(from),
            ["date"] = (date ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds(),
            ["old_chat_member"] = Member(newStatus == "kicked" ? "member" : "kicked"),
            ["new_chat_member"] = Member(newStatus),
        };
        if (newStatus == "kicked") change["new_chat_member"]!["until_date"] = 0;
        return Update(updateId, "my_chat_member", change);
    }

    /// <summary>A callback query id as Telegram makes them: a long decimal string.</summary>
    public static string NewCallbackId() => $"{(ulong)Random.Shared.NextInt64(1_000_000_000_000_000_000, long.MaxValue)}";

    /// <summary>A text message in a group (ignored by the helpdesk: only private chats are tickets).</summary>
    public static string GroupText(TelegramCustomer from, long groupId, string text, string groupType = "supergroup", long? updateId = null) =>
        Update(updateId, "message", Message(from, new JsonObject { ["id"] = groupId, ["title"] = "Customers chat", ["type"] = groupType }, null, null,
            m => m["text"] = text));

    /// <summary>A post in a channel the bot administers (ignored).</summary>
    public static string ChannelPost(long channelId, string text, long? updateId = null) =>
        Update(updateId, "channel_post", new JsonObject
        {
            ["message_id"] = NextMessageId(),
            ["sender_chat"] = new JsonObject { ["id"] = channelId, ["title"] = "News", ["type"] = "channel" },
            ["chat"] = new JsonObject { ["id"] = channelId, ["title"] = "News", ["type"] = "channel" },
            ["date"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["text"] = text,
        });

    private static string Media(TelegramCustomer from, string field, JsonObject media, string? caption, int? messageId, long? updateId) =>
        Update(updateId, "message", Message(from, PrivateChat(from), messageId, null, m =>
        {
            m[field] = media;
            Caption(m, caption);
        }));

    private static string Update(long? updateId, string kind, JsonObject content) =>
        new JsonObject { ["update_id"] = updateId ?? NextUpdateId(), [kind] = content }.ToJsonString();

    private static JsonObject Message(TelegramCustomer from, JsonObject chat, int? messageId, DateTimeOffset? date, Action<JsonObject> content)
    {
        var message = new JsonObject
        {
            ["message_id"] = messageId ?? NextMessageId(),
            ["from"] = User(from),
            ["chat"] = chat,
            ["date"] = (date ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds(),
        };
        content(message);
        return message;
    }

    private static JsonObject User(TelegramCustomer user) => Compact(new JsonObject
    {
        ["id"] = user.Id,
        ["is_bot"] = user.IsBot,
        ["first_name"] = user.FirstName,
        ["last_name"] = user.LastName,
        ["username"] = user.Username,
        ["language_code"] = user.IsBot ? null : user.LanguageCode,
    });

    private static JsonObject BotUser(FakeBot bot) =>
        new() { ["id"] = bot.Id, ["is_bot"] = true, ["first_name"] = "Support", ["username"] = bot.Username };

    private static JsonObject PrivateChat(TelegramCustomer user) => Compact(new JsonObject
    {
        ["id"] = user.Id,
        ["first_name"] = user.FirstName,
        ["last_name"] = user.LastName,
        ["username"] = user.Username,
        ["type"] = "private",
    });

    private static JsonObject PhotoSize(string fileId, int width, int height, long fileSize) => new()
    {
        ["file_id"] = fileId, ["file_unique_id"] = Unique(fileId), ["file_size"] = fileSize, ["width"] = width, ["height"] = height,
    };

    private static void Caption(JsonObject message, string? caption)
    {
        if (caption is not null) message["caption"] = caption;
    }

    /// <summary>file_unique_id: stable for a file id, short, like Telegram's.</summary>
    private static string Unique(string fileId) => "AQAD" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(fileId)))[..12];

    /// <summary>Telegram leaves absent optional fields out rather than sending null.</summary>
    private static JsonObject Compact(JsonObject node)
    {
        foreach (var name in node.Where(p => p.Value is null).Select(p => p.Key).ToList())
            node.Remove(name);
        return node;
    }
}
