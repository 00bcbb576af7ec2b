using Zapnoty.Grains.Channels;
using Zapnoty.Grains.Channels.Max;
using Zapnoty.Grains.Tests.Infrastructure;
using Updates = Zapnoty.Grains.Tests.Infrastructure.MaxUpdateBuilder;

namespace Zapnoty.Grains.Tests;

/// <summary>Webhook bodies, as Max posts them, turned into what the conversation grain handles (or into nothing).</summary>
public sealed class MaxUpdatesTests
{
    private static readonly DateTimeOffset ReceivedAt = new(2026, 11, 20, 10, 30, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset SentAt = new(2026, 11, 20, 10, 29, 41, 250, TimeSpan.Zero);
    private readonly MaxCustomer _anna = new(5550001, "Anna", "Petrova", "anna_p");

    private static IncomingUpdate Parsed(string json) =>
        MaxUpdates.Parse(json, ReceivedAt) ?? throw new Xunit.Sdk.XunitException($"Ignored: {json}");

    [Fact]
    public void A_dialog_message_is_a_Message_from_the_user_keyed_by_its_mid()
    {
        var update = Parsed(Updates.Text(_anna, "My order <#42> & *co*", mid: "mid.abc", at: SentAt));

        Assert.Equal(new IncomingUpdate("message_created:mid.abc", IncomingKind.Message, "5550001", new ChatUser("5550001", "Anna Petrova", "anna_p"),
            "My order <#42> & *co*", update.Attachments, "mid.abc", null, null, SentAt, _anna.DialogId.ToString()), update);
        Assert.Empty(update.Attachments);
    }

    /// <summary>
    /// Max's dialog chat id differs from the user id; replies and the customer's identity use the
    /// user id, and the dialog's id is kept beside it for chat actions ("typing…").
    /// </summary>
    [Fact]
    public void The_chat_is_the_user_id_not_the_dialog_id()
    {
        var update = Parsed(Updates.Text(_anna, "hi"));

        Assert.Equal("5550001", update.ChatId);
        Assert.NotEqual(_anna.DialogId.ToString(), update.ChatId);
        Assert.Equal(_anna.DialogId.ToString(), update.DialogChatId);
        Assert.Equal(_anna.DialogId.ToString(), Parsed(Updates.Started(_anna)).DialogChatId);
    }

    [Fact]
    public void Bot_started_with_a_deep_link_payload_is_the_start_command()
    {
        var update = Parsed(Updates.Started(_anna, "help_acme", at: SentAt));

        Assert.Equal((IncomingKind.Message, "/start help_acme", "5550001", SentAt), (update.Kind, update.Text, update.ChatId, update.At));
        Assert.Equal("bot_started:5550001:" + SentAt.ToUnixTimeMilliseconds(), update.Key);
        Assert.Null(update.MessageId);
        Assert.Equal("/start", Parsed(Updates.Started(_anna)).Text);
    }

    [Fact]
    public void A_button_press_is_a_Callback_keyed_by_its_callback_id()
    {
        var update = Parsed(Updates.Callback(_anna, "type:42", messageMid: "mid.bot1", callbackId: "cb.777", at: SentAt));

        Assert.Equal(new IncomingUpdate("message_callback:cb.777", IncomingKind.Callback, "5550001", new ChatUser("5550001", "Anna Petrova", "anna_p"),
            null, update.Attachments, "mid.bot1", "cb.777", "type:42", SentAt, _anna.DialogId.ToString()), update);
    }

    [Fact]
    public void A_press_under_a_message_deleted_since_still_counts()
    {
        var update = Parsed(Updates.Callback(_anna, "type:42", messageMid: null, callbackId: "cb.778"));

        Assert.Equal(("5550001", "cb.778", (string?)null), (update.ChatId, update.CallbackId, update.MessageId));
    }

    [Fact]
    public void Each_edit_of_a_message_is_its_own_update_about_that_mid()
    {
        var first = Parsed(Updates.Edited(_anna, "mid.typo", "The order is late", SentAt));
        var second = Parsed(Updates.Edited(_anna, "mid.typo", "The order is very late", SentAt.AddSeconds(5)));
        var created = Parsed(Updates.Text(_anna, "Teh order is late", mid: "mid.typo"));

        Assert.Equal((IncomingKind.EditedMessage, "mid.typo", "The order is late", SentAt), (first.Kind, first.MessageId, first.Text, first.At));
        Assert.Equal(3, new[] { first.Key, second.Key, created.Key }.Distinct().Count());
    }

    [Fact]
    public void The_same_body_twice_has_the_same_key()
    {
        var body = Updates.Started(_anna, "help_acme");

        Assert.Equal(Parsed(body).Key, Parsed(body).Key);
    }

    [Fact]
    public void Files_keep_their_token_url_name_and_size_under_the_dashboards_kinds()
    {
        var image = Assert.Single(Parsed(Updates.Attachment(_anna, "image", "img-token", caption: "the error")).Attachments);
        var file = Assert.Single(Parsed(Updates.Attachment(_anna, "file", "file-token", fileName: "invoice 42.pdf", size: 52_113)).Attachments);
        var video = Assert.Single(Parsed(Updates.Attachment(_anna, "video", "video-token")).Attachments);
        var audio = Assert.Single(Parsed(Updates.Attachment(_anna, "audio", "audio-token")).Attachments);
        var sticker = Assert.Single(Parsed(Updates.Attachment(_anna, "sticker", "sticker-code")).Attachments);

        Assert.Equal(new Attachment("photo", "img-token", null, null, null, "https://i.oneme.ru/i?r=img-token"), image);
        Assert.Equal(new Attachment("document", "file-token", 52_113, "invoice 42.pdf", null, "https://fd.oneme.ru/f/file-token"), file);
        Assert.Equal(("video", "video-token"), (video.Kind, video.FileId));
        Assert.Equal(("audio", "audio-token"), (audio.Kind, audio.FileId));
        Assert.Equal(("sticker", "sticker-code"), (sticker.Kind, sticker.FileId));
        Assert.Equal("the error", Parsed(Updates.Attachment(_anna, "image", "img-token", caption: "the error")).Text);
        Assert.Null(Parsed(Updates.Attachment(_anna, "file", "file-token")).Text);
    }

    [Fact]
    public void A_location_alone_carries_nothing_to_keep()
    {
        const string json = """
            {"update_type":"message_created","timestamp":1763634581250,
             "message":{"sender":{"user_id":5550001,"first_name":"Anna","is_bot":false},"recipient":{"chat_id":-1,"chat_type":"dialog"},
                        "timestamp":1763634581250,"body":{"mid":"mid.geo","seq":1,"attachments":[{"type":"location","latitude":55.7,"longitude":37.6},{"type":"contact","payload":{"vcf_info":"BEGIN:VCARD"}}]}}}
            """;

        Assert.Null(MaxUpdates.Parse(json, ReceivedAt));
    }

    [Fact]
    public void The_older_single_name_field_is_used_when_there_is_no_first_name()
    {
        const string json = """
            {"update_type":"bot_started","timestamp":1573226679188,"chat_id":1234567890,
             "user":{"user_id":1234567890,"name":"Boris","username":"borisd84"},"payload":"help_acme"}
            """;

        Assert.Equal(new ChatUser("1234567890", "Boris", "borisd84"), Parsed(json).User);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{}")]
    [InlineData("[]")]
    [InlineData("""{"update_type":"message_created","timestamp":1}""")]
    [InlineData("""{"update_type":"message_removed","timestamp":1,"message_id":"mid.1","chat_id":1,"user_id":2}""")]
    [InlineData("""{"update_type":"bot_started","timestamp":1,"chat_id":1,"user":{"user_id":"not a number"}}""")]
    public void Unreadable_or_foreign_bodies_are_ignored(string json)
    {
        Assert.Null(MaxUpdates.Parse(json, ReceivedAt));
    }

    [Fact]
    public void Stopping_the_bot_is_Blocked_keyed_by_user_and_time()
    {
        var update = Parsed(Updates.BotStopped(_anna, at: SentAt));

        Assert.Equal(new IncomingUpdate($"bot_stopped:5550001:{SentAt.ToUnixTimeMilliseconds()}", IncomingKind.Blocked, "5550001",
            new ChatUser("5550001", "Anna Petrova", "anna_p"), "The customer stopped the bot in Max.", update.Attachments, null, null, null, SentAt), update);
        Assert.Null(MaxUpdates.Parse(Updates.BotStopped(_anna with { IsBot = true }), ReceivedAt));
    }

    [Fact]
    public void Group_messages_and_other_bots_are_ignored()
    {
        Assert.Null(MaxUpdates.Parse(Updates.GroupText(_anna, -100500, "hello group"), ReceivedAt));
        Assert.Null(MaxUpdates.Parse(Updates.Text(_anna with { IsBot = true }, "I am a bot"), ReceivedAt));
        Assert.Null(MaxUpdates.Parse(Updates.Started(_anna with { IsBot = true }, "help_acme"), ReceivedAt));
    }
}
