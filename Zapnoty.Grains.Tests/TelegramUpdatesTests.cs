using System.Text.Json;
using Telegram.Bot;
using Telegram.Bot.Types;
using Zapnoty.Grains.Channels;
using Zapnoty.Grains.Channels.Telegram;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

/// <summary>Webhook bodies, as Telegram posts them, turned into what the conversation grain handles (or into nothing).</summary>
public sealed class TelegramUpdatesTests
{
    private static readonly DateTimeOffset ReceivedAt = new(2026, 11, 20, 10, 30, 0, TimeSpan.Zero);
    private readonly TelegramCustomer _anna = new(5550001, "Anna", "Petrova", "anna_p");

    private static IncomingUpdate Parsed(string json) =>
        TelegramUpdates.Parse(json, ReceivedAt) ?? throw new Xunit.Sdk.XunitException($"Ignored: {json}");

    [Fact]
    public void A_private_text_message_is_a_Message()
    {
        var sentAt = new DateTimeOffset(2026, 11, 20, 10, 29, 41, TimeSpan.Zero);

        var update = Parsed(TelegramUpdateBuilder.Text(_anna, "My order <#42> & co", messageId: 17, updateId: 900001, date: sentAt));

        Assert.Equal(new IncomingUpdate("900001", IncomingKind.Message, "5550001", new ChatUser("5550001", "Anna Petrova", "anna_p", "en"),
            "My order <#42> & co", update.Attachments, "17", null, null, sentAt), update);
        Assert.Empty(update.Attachments);
    }

    [Fact]
    public void A_name_is_first_and_last_trimmed_and_the_username_may_be_missing()
    {
        var update = Parsed(TelegramUpdateBuilder.Text(new TelegramCustomer(77, "Олег", LastName: null, Username: null), "привет"));

        Assert.Equal(new ChatUser("77", "Олег", null, "en"), update.User);
    }

    [Fact]
    public void A_deep_link_start_arrives_as_its_text()
    {
        Assert.Equal("/start tkt_42-Ab", Parsed(TelegramUpdateBuilder.Start(_anna, "tkt_42-Ab")).Text);
    }

    [Fact]
    public void A_photo_keeps_its_largest_size_and_the_caption_as_text()
    {
        var update = Parsed(TelegramUpdateBuilder.Photo(_anna, caption: "the error", fileId: "AgACbig", fileSize: 184_311));

        Assert.Equal("the error", update.Text);
        Assert.Equal(new Attachment("photo", "AgACbig", 184_311, null, null), Assert.Single(update.Attachments));
    }

    [Fact]
    public void A_photo_without_caption_has_no_text()
    {
        var update = Parsed(TelegramUpdateBuilder.Photo(_anna));

        Assert.Null(update.Text);
        Assert.Single(update.Attachments);
    }

    [Fact]
    public void A_document_keeps_its_name_type_and_size()
    {
        var update = Parsed(TelegramUpdateBuilder.Document(_anna, "invoice 42.pdf", "application/pdf", 52_113, fileId: "BQACdoc", caption: "see attached"));

        Assert.Equal("see attached", update.Text);
        Assert.Equal(new Attachment("document", "BQACdoc", 52_113, "invoice 42.pdf", "application/pdf"), Assert.Single(update.Attachments));
    }

    public static TheoryData<string, Attachment> OtherMedia => new()
    {
        { TelegramUpdateBuilder.Voice(new TelegramCustomer(1, "A"), fileId: "voice1", fileSize: 9_512), new Attachment("voice", "voice1", 9_512, null, "audio/ogg") },
        { TelegramUpdateBuilder.Video(new TelegramCustomer(1, "A"), fileId: "video1", fileSize: 1_204_113, fileName: "clip.mp4"), new Attachment("video", "video1", 1_204_113, "clip.mp4", "video/mp4") },
        { TelegramUpdateBuilder.Audio(new TelegramCustomer(1, "A"), fileId: "audio1", fileSize: 3_402_001, fileName: "song.mp3"), new Attachment("audio", "audio1", 3_402_001, "song.mp3", "audio/mpeg") },
        { TelegramUpdateBuilder.VideoNote(new TelegramCustomer(1, "A"), fileId: "note1", fileSize: 401_222), new Attachment("video_note", "note1", 401_222, null, null) },
        { TelegramUpdateBuilder.Sticker(new TelegramCustomer(1, "A"), fileId: "sticker1", fileSize: 24_017), new Attachment("sticker", "sticker1", 24_017, null, null) },
    };

    [Theory]
    [MemberData(nameof(OtherMedia))]
    public void Voice_video_audio_video_notes_and_stickers_are_attachments(string json, Attachment expected)
    {
        var update = Parsed(json);

        Assert.Equal(IncomingKind.Message, update.Kind);
        Assert.Null(update.Text);
        Assert.Equal(expected, Assert.Single(update.Attachments));
    }

    [Fact]
    public void An_edited_message_names_the_message_it_changes_and_when_it_was_edited()
    {
        var sentAt = new DateTimeOffset(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);
        var editedAt = new DateTimeOffset(2026, 11, 20, 10, 5, 0, TimeSpan.Zero);

        var update = Parsed(TelegramUpdateBuilder.EditedText(_anna, messageId: 17, "My order #43, sorry", sentAt, editedAt, updateId: 900002));

        Assert.Equal(("900002", IncomingKind.EditedMessage, "17", "My order #43, sorry", editedAt),
            (update.Key, update.Kind, update.MessageId, update.Text, update.At));
        Assert.Equal("5550001", update.ChatId);
    }

    [Fact]
    public void A_button_press_is_a_Callback_dated_when_received()
    {
        var update = Parsed(TelegramUpdateBuilder.Callback(_anna, "csat:t42:yes", messageId: 31, callbackId: "4382bfdwdsb323b2d9", updateId: 900003));

        Assert.Equal(new IncomingUpdate("900003", IncomingKind.Callback, "5550001", new ChatUser("5550001", "Anna Petrova", "anna_p", "en"),
            null, update.Attachments, "31", "4382bfdwdsb323b2d9", "csat:t42:yes", ReceivedAt), update);
        Assert.Empty(update.Attachments);
    }

    [Fact]
    public void An_Update_that_Telegram_Bot_already_deserialized_parses_the_same()
    {
        var json = TelegramUpdateBuilder.Text(_anna, "hello", updateId: 900004);
        var update = JsonSerializer.Deserialize<Update>(json, JsonBotAPI.Options)!;

        Assert.Equal(TelegramUpdates.Parse(json, ReceivedAt), TelegramUpdates.Parse(update, ReceivedAt), new IncomingUpdateComparer());
    }

    [Fact]
    public void Basic_group_messages_are_ignored()
    {
        Assert.Null(TelegramUpdates.Parse(TelegramUpdateBuilder.GroupText(_anna, -1001234567890, "hi all", "group"), ReceivedAt));
    }

    [Fact]
    public void Supergroup_messages_are_passed_on_with_their_forum_topic_and_the_group_title_for_the_staff_group()
    {
        var general = Parsed(TelegramUpdateBuilder.GroupText(_anna, -1001234567890, "hi all", "supergroup"));
        Assert.Equal(("-1001234567890", (string?)null, "Customers chat", true), (general.ChatId, general.ThreadId, general.ChatTitle, general.InGroup));

        var inTopic = Parsed(StaffGroupUpdates.Text(_anna, new TelegramGroup(-1001234567891, "Team"), 42, "we sent it"));
        Assert.Equal(("42", "Team", "we sent it"), (inTopic.ThreadId, inTopic.ChatTitle, inTopic.Text));
        Assert.False(Parsed(TelegramUpdateBuilder.Text(_anna, "hello")).InGroup);
    }

    [Fact]
    public void A_topic_message_names_the_message_it_replies_to_but_not_the_topics_own_first_message()
    {
        var group = new TelegramGroup(-1001234567893, "Team");
        var reply = Parsed(StaffGroupUpdates.ReplyTo(_anna, group, 42, replyTo: 77, "a note", TelegramUpdateBuilder.DefaultBot));
        Assert.Equal(("77", "a note"), (reply.ReplyToMessageId, reply.Text));
        // Telegram points every other message of a topic at the topic's creation message (its id is the thread id).
        Assert.Null(Parsed(StaffGroupUpdates.ReplyTo(_anna, group, 42, replyTo: 42, "just a reply", TelegramUpdateBuilder.DefaultBot)).ReplyToMessageId);
        Assert.Null(Parsed(StaffGroupUpdates.Text(_anna, group, 42, "no reply")).ReplyToMessageId);
    }

    [Fact]
    public void The_bot_removed_from_a_supergroup_is_Blocked_with_the_reason()
    {
        var removed = Parsed(StaffGroupUpdates.BotMembership(_anna, new TelegramGroup(-1001234567892), TelegramUpdateBuilder.DefaultBot, "left"));
        Assert.Equal((IncomingKind.Blocked, "-1001234567892", "The bot was removed from the group."), (removed.Kind, removed.ChatId, removed.Text));
        var promoted = Parsed(StaffGroupUpdates.BotMembership(_anna, new TelegramGroup(-1001234567892), TelegramUpdateBuilder.DefaultBot, "administrator"));
        Assert.Equal(IncomingKind.Unblocked, promoted.Kind);
    }

    [Fact]
    public void Channel_posts_are_ignored()
    {
        Assert.Null(TelegramUpdates.Parse(TelegramUpdateBuilder.ChannelPost(-1009876543210, "news"), ReceivedAt));
    }

    [Fact]
    public void Messages_from_bots_are_ignored()
    {
        var bot = new TelegramCustomer(6000001, "Spam", Username: "spam_bot", IsBot: true);
        Assert.Null(TelegramUpdates.Parse(TelegramUpdateBuilder.Text(bot, "buy now"), ReceivedAt));
    }

    [Fact]
    public void A_service_message_with_neither_text_nor_file_is_ignored()
    {
        const string json = """
            {"update_id":900005,"message":{"message_id":5,"from":{"id":5550001,"is_bot":false,"first_name":"Anna"},
             "chat":{"id":5550001,"first_name":"Anna","type":"private"},"date":1763634600,
             "write_access_allowed":{"from_request":true}}}
            """;
        Assert.Null(TelegramUpdates.Parse(json, ReceivedAt));
    }

    [Fact]
    public void Blocking_and_unblocking_the_bot_in_a_private_chat_are_Blocked_and_Unblocked()
    {
        var blocked = Parsed(TelegramUpdateBuilder.MyChatMember(_anna, "kicked", updateId: 900006, date: ReceivedAt.AddSeconds(-20)));
        Assert.Equal(new IncomingUpdate("900006", IncomingKind.Blocked, "5550001", new ChatUser("5550001", "Anna Petrova", "anna_p", "en"),
            "The customer blocked the bot in Telegram.", blocked.Attachments, null, null, null, ReceivedAt.AddSeconds(-20)), blocked);

        var unblocked = Parsed(TelegramUpdateBuilder.MyChatMember(_anna, "member", updateId: 900007));
        Assert.Equal((IncomingKind.Unblocked, "5550001", (string?)null), (unblocked.Kind, unblocked.ChatId, unblocked.Text));
    }

    [Fact]
    public void Update_kinds_we_did_not_ask_for_are_ignored()
    {
        // The bot's membership of a basic group (no topics, never a staff group): not a customer's chat.
        const string promoted = """
            {"update_id":900006,"my_chat_member":{"chat":{"id":-5550001,"title":"Shop","type":"group"},
             "from":{"id":5550001,"is_bot":false,"first_name":"Anna"},"date":1763634600,
             "old_chat_member":{"user":{"id":7000000001,"is_bot":true,"first_name":"Support","username":"zapnoty_support_bot"},"status":"member"},
             "new_chat_member":{"user":{"id":7000000001,"is_bot":true,"first_name":"Support","username":"zapnoty_support_bot"},"status":"kicked","until_date":0}}}
            """;
        const string poll = """{"update_id":900007,"poll":{"id":"5","question":"?","options":[],"total_voter_count":0,"is_closed":true,"is_anonymous":true,"type":"regular","allows_multiple_answers":false}}""";
        const string future = """{"update_id":900008,"something_new":{"id":1}}""";

        Assert.Null(TelegramUpdates.Parse(promoted, ReceivedAt));
        Assert.Null(TelegramUpdates.Parse(poll, ReceivedAt));
        Assert.Null(TelegramUpdates.Parse(future, ReceivedAt));
    }

    [Fact]
    public void Presses_on_inline_mode_messages_and_in_basic_groups_are_ignored()
    {
        const string inline = """
            {"update_id":900009,"callback_query":{"id":"77","from":{"id":5550001,"is_bot":false,"first_name":"Anna"},
             "inline_message_id":"AAAAAkHeAQA","chat_instance":"-55","data":"x"}}
            """;
        const string inGroup = """
            {"update_id":900010,"callback_query":{"id":"78","from":{"id":5550001,"is_bot":false,"first_name":"Anna"},
             "message":{"message_id":3,"chat":{"id":-100123,"title":"G","type":"group"},"date":1763634600,"text":"pick"},
             "chat_instance":"-56","data":"x"}}
            """;

        Assert.Null(TelegramUpdates.Parse(inline, ReceivedAt));
        Assert.Null(TelegramUpdates.Parse(inGroup, ReceivedAt));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("not json")]
    [InlineData("{")]
    [InlineData("{\"update_id\":1,\"message\":{\"message_id\":1,")]
    [InlineData("null")]
    [InlineData("42")]
    [InlineData("[1,2]")]
    [InlineData("{}")]
    [InlineData("{\"update_id\":\"abc\"}")]
    [InlineData("{\"update_id\":-5,\"message\":{\"message_id\":1,\"from\":{\"id\":1,\"is_bot\":false,\"first_name\":\"A\"},\"chat\":{\"id\":1,\"type\":\"private\"},\"date\":1,\"text\":\"x\"}}")]
    [InlineData("{\"update_id\":1,\"message\":5}")]
    [InlineData("{\"update_id\":1,\"message\":{\"message_id\":1,\"date\":1,\"text\":\"no chat, no sender\"}}")]
    [InlineData("{\"update_id\":1,\"message\":{\"message_id\":1,\"date\":1,\"chat\":{\"id\":1,\"type\":\"galaxy\"},\"text\":\"x\"}}")]
    [InlineData("{\"update_id\":1,\"message\":{\"message_id\":1,\"date\":\"yesterday\",\"chat\":{\"id\":1,\"type\":\"private\"},\"text\":\"x\"}}")]
    [InlineData("{\"update_id\":1,\"callback_query\":{\"id\":\"1\",\"data\":\"no sender, no message\"}}")]
    [InlineData("{\"update_id\":1,\"callback_query\":{\"from\":{\"id\":1,\"is_bot\":false,\"first_name\":\"A\"},\"message\":{\"message_id\":3,\"chat\":{\"id\":1,\"type\":\"private\"},\"date\":1},\"data\":\"no callback id\"}}")]
    [InlineData("{\"update_id\":1,\"message\":{\"message_id\":1,\"from\":{\"id\":1,\"is_bot\":false,\"first_name\":\"A\"},\"chat\":{\"id\":1,\"type\":\"private\"},\"date\":1,\"photo\":[]}}")]
    public void Malformed_or_incomplete_bodies_are_ignored_not_thrown(string json)
    {
        Assert.Null(TelegramUpdates.Parse(json, ReceivedAt));
    }

    /// <summary>Records compare lists by reference; this compares what an update says.</summary>
    private sealed class IncomingUpdateComparer : IEqualityComparer<IncomingUpdate?>
    {
        public bool Equals(IncomingUpdate? x, IncomingUpdate? y) =>
            x is not null && y is not null && x with { Attachments = Array.Empty<Attachment>() } == y with { Attachments = Array.Empty<Attachment>() } && x.Attachments.SequenceEqual(y.Attachments);

        public int GetHashCode(IncomingUpdate? update) => update?.Key.GetHashCode() ?? 0;
    }
}
