using System.Text.Json.Nodes;

namespace Zapnoty.Grains.Tests.Infrastructure;

/// <summary>A Telegram forum supergroup (the staff group): its chat id and title.</summary>
public sealed record TelegramGroup(long Id, string Title = "Support team")
{
    private static long _lastId = -1_002_000_000_000 - Random.Shared.Next(1_000_000);

    public static TelegramGroup New() => new(Interlocked.Decrement(ref _lastId));
}

/// <summary>Webhook bodies from a forum supergroup, as Telegram posts them (topic messages carry message_thread_id and is_topic_message).</summary>
public static class StaffGroupUpdates
{
    /// <summary>A text in topic <paramref name="threadId"/> (null: the General topic, which has no thread id).</summary>
    public static string Text(TelegramCustomer from, TelegramGroup group, int? threadId, string text, int? messageId = null) =>
        Update("message", Message(from, group, threadId, messageId ?? TelegramUpdateBuilder.NextMessageId(), m => m["text"] = text));

    /// <summary>A photo with a caption in a topic.</summary>
    public static string Photo(TelegramCustomer from, TelegramGroup group, int threadId, string caption, string fileId = "AgACAgIAAxkBAAIstaffphoto") =>
        Update("message", Message(from, group, threadId, TelegramUpdateBuilder.NextMessageId(), m =>
        {
            m["photo"] = new JsonArray(new JsonObject { ["file_id"] = fileId, ["file_unique_id"] = "AQAD" + fileId[^6..], ["width"] = 800, ["height"] = 600, ["file_size"] = 50_000 });
            m["caption"] = caption;
        }));

    /// <summary>A document (a file sent as a file) in a topic, with its name, type, Telegram's size and an optional caption.</summary>
    public static string Document(TelegramCustomer from, TelegramGroup group, int threadId, string fileId, string fileName, string mimeType, long size,
        string? caption = null) =>
        Update("message", Message(from, group, threadId, TelegramUpdateBuilder.NextMessageId(), m =>
        {
            m["document"] = new JsonObject
            {
                ["file_id"] = fileId, ["file_unique_id"] = "AQAD" + fileId[^6..], ["file_name"] = fileName, ["mime_type"] = mimeType, ["file_size"] = size,
            };
            if (caption is not null) m["caption"] = caption;
        }));

    /// <summary>A text in a topic that replies to the bot's message <paramref name="replyTo"/> there (Telegram sends the replied message along).</summary>
    public static string ReplyTo(TelegramCustomer from, TelegramGroup group, int threadId, int replyTo, string text, FakeBot bot) =>
        Update("message", Message(from, group, threadId, TelegramUpdateBuilder.NextMessageId(), m =>
        {
            m["text"] = text;
            m["reply_to_message"] = BotMessage(bot, group, threadId, replyTo, "a message of the bot");
        }));

    /// <summary>Message <paramref name="messageId"/> in a topic edited to read <paramref name="text"/>.</summary>
    public static string Edited(TelegramCustomer from, TelegramGroup group, int threadId, int messageId, string text) =>
        Update("edited_message", Message(from, group, threadId, messageId, m =>
        {
            m["edit_date"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            m["text"] = text;
        }));

    /// <summary>A press of the button with <paramref name="data"/> under the bot's message <paramref name="messageId"/> in a topic.</summary>
    public static string Pressed(TelegramCustomer from, TelegramGroup group, int threadId, int messageId, string data, FakeBot bot)
    {
        var message = BotMessage(bot, group, threadId, messageId, "details");
        return Update("callback_query", new JsonObject
        {
            ["id"] = TelegramUpdateBuilder.NewCallbackId(), ["from"] = User(from), ["message"] = message, ["chat_instance"] = "-77", ["data"] = data,
        });
    }

    /// <summary>Someone changed the bot's own membership of the group: <c>left</c>/<c>kicked</c> (removed) or <c>administrator</c>.</summary>
    public static string BotMembership(TelegramCustomer by, TelegramGroup group, FakeBot bot, string newStatus)
    {
        JsonObject Member(string status) => new()
        {
            ["user"] = new JsonObject { ["id"] = bot.Id, ["is_bot"] = true, ["first_name"] = "Support", ["username"] = bot.Username }, ["status"] = status,
        };
        var oldMember = Member("administrator");
        foreach (var right in new[] { "can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
                     "can_promote_members", "can_change_info", "can_invite_users", "can_post_stories", "can_edit_stories", "can_delete_stories" })
            oldMember[right] = right != "can_be_edited" && right != "is_anonymous";
        oldMember["can_manage_topics"] = true;
        var newMember = newStatus == "administrator" ? oldMember.DeepClone() : Member(newStatus);
        if (newStatus == "kicked") newMember["until_date"] = 0;
        return Update("my_chat_member", new JsonObject
        {
            ["chat"] = Chat(group), ["from"] = User(by), ["date"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["old_chat_member"] = oldMember, ["new_chat_member"] = newMember,
        });
    }

    /// <summary>The bot's own message <paramref name="messageId"/> in a topic, as Telegram embeds it in a button press or a reply.</summary>
    private static JsonObject BotMessage(FakeBot bot, TelegramGroup group, int threadId, int messageId, string text) => new()
    {
        ["message_id"] = messageId,
        ["from"] = new JsonObject { ["id"] = bot.Id, ["is_bot"] = true, ["first_name"] = "Support", ["username"] = bot.Username },
        ["chat"] = Chat(group),
        ["date"] = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds(),
        ["message_thread_id"] = threadId,
        ["is_topic_message"] = true,
        ["text"] = text,
    };

    private static JsonObject Message(TelegramCustomer from, TelegramGroup group, int? threadId, int messageId, Action<JsonObject> content)
    {
        var message = new JsonObject
        {
            ["message_id"] = messageId,
            ["from"] = User(from),
            ["chat"] = Chat(group),
            ["date"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        };
        if (threadId is { } thread)
        {
            message["message_thread_id"] = thread;
            message["is_topic_message"] = true;
        }
        content(message);
        return message;
    }

    private static JsonObject Chat(TelegramGroup group) => new() { ["id"] = group.Id, ["title"] = group.Title, ["type"] = "supergroup", ["is_forum"] = true };

    private static JsonObject User(TelegramCustomer user)
    {
        var node = new JsonObject { ["id"] = user.Id, ["is_bot"] = false, ["first_name"] = user.FirstName, ["language_code"] = "en" };
        if (user.LastName is not null) node["last_name"] = user.LastName;
        if (user.Username is not null) node["username"] = user.Username;
        return node;
    }

    private static string Update(string kind, JsonObject content) =>
        new JsonObject { ["update_id"] = TelegramUpdateBuilder.NextUpdateId(), [kind] = content }.ToJsonString();
}
