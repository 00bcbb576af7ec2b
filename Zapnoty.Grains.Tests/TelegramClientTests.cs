using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Zapnoty.Grains.Channels;
using Zapnoty.Grains.Channels.Telegram;
using Zapnoty.Grains.Tests.Infrastructure;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Tests;

/// <summary>The real Telegram.Bot client, through our <see cref="TelegramMessengerClient"/>, against a fake Bot API on 127.0.0.1.</summary>
public sealed class TelegramClientTests : IAsyncLifetime
{
    private FakeTelegramServer _telegram = null!;
    private TelegramMessengerClient _client = null!;
    private FakeBot _bot = null!;

    public async Task InitializeAsync()
    {
        _telegram = await FakeTelegramServer.Start();
        _client = ClientOf(_telegram.BaseUrl);
        _bot = _telegram.AddBot("acme_support_bot");
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _telegram.DisposeAsync();
    }

    private static TelegramMessengerClient ClientOf(string apiBaseUrl, TimeSpan? timeout = null) =>
        new(Options.Create(new TelegramOptions { ApiBaseUrl = apiBaseUrl, RequestTimeout = timeout ?? TimeSpan.FromSeconds(10) }),
            NullLogger<TelegramMessengerClient>.Instance);

    private Task<SendOutcome> Send(long chatId, string text, params ChoiceButton[] buttons) =>
        _client.Send(_bot.Token, new OutgoingMessage(chatId.ToString(), text, buttons.Length > 0 ? buttons : null), CancellationToken.None);

    [Fact]
    public async Task A_good_token_identifies_the_bot()
    {
        var identity = await _client.Identify(_bot.Token, CancellationToken.None);

        Assert.Equal(new BotIdentity(_bot.Id.ToString(), "acme_support_bot"), identity);
        var call = Assert.Single(_telegram.Calls);
        Assert.Equal(("getMe", _bot.Token), (call.Method, call.Token));
        Assert.Equal(Channel.Telegram, _client.Channel);
    }

    [Fact]
    public async Task A_token_Telegram_refuses_is_invalid_on_bot_token()
    {
        var refused = await Assert.ThrowsAsync<DomainException>(() =>
            _client.Identify("123456789:AAHthisTokenWasRevokedLongAgo_xyz12", CancellationToken.None));

        Assert.Equal(DomainErrorKind.Invalid, refused.Kind);
        Assert.Equal("bot_token", refused.Field);
        Assert.Contains("does not accept this bot token", refused.Message);
        Assert.Equal(401, Assert.Single(_telegram.Calls).AnsweredWith);
    }

    [Theory]
    [InlineData("")]
    [InlineData("hello")]
    [InlineData("123456789")]
    [InlineData(":AAHsecret")]
    [InlineData("bot:AAHsecret")]
    [InlineData("123456789:")]
    [InlineData("123 456:AAHsecret")]
    [InlineData("123456789:AAH/../../getMe")]
    [InlineData("123456789:AAH?x=1")]
    [InlineData(" 123456789:AAHsecret")]
    [InlineData("12345678901234567:AAHsecret")]
    public async Task A_malformed_token_is_refused_without_asking_Telegram(string token)
    {
        var refused = await Assert.ThrowsAsync<DomainException>(() => _client.Identify(token, CancellationToken.None));

        Assert.Equal(("bot_token", DomainErrorKind.Invalid), (refused.Field, refused.Kind));
        Assert.Contains("123456789:AAH", refused.Message);
        Assert.Empty(_telegram.Calls);
    }

    [Fact]
    public async Task Subscribing_sets_the_webhook_with_our_secret_and_the_three_update_kinds()
    {
        await _client.Subscribe(_bot.Token, "https://help.example.com/v1/telegram/p1", "s3cr3t_Token-42", CancellationToken.None);

        var hook = _telegram.WebhookOf(_bot);
        Assert.NotNull(hook);
        Assert.Equal("https://help.example.com/v1/telegram/p1", hook.Url);
        Assert.Equal("s3cr3t_Token-42", hook.SecretToken);
        Assert.Equal(["message", "edited_message", "callback_query", "my_chat_member"], hook.AllowedUpdates);
        Assert.False(hook.DropPendingUpdates);
        var call = Assert.Single(_telegram.CallsTo("setWebhook"));
        Assert.True(call.Field("drop_pending_updates") is null or "false");
    }

    [Fact]
    public async Task Subscribing_with_a_revoked_token_is_invalid_on_bot_token()
    {
        var refused = await Assert.ThrowsAsync<DomainException>(() =>
            _client.Subscribe("42:AAHrevokedrevokedrevokedrevokedrevo", "https://help.example.com/hook", "secret", CancellationToken.None));
        Assert.Equal("bot_token", refused.Field);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("semi;colon")]
    public async Task A_secret_Telegram_would_not_take_is_our_callers_bug_and_never_sent(string secret)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _client.Subscribe(_bot.Token, "https://help.example.com/hook", secret, CancellationToken.None));
        Assert.Empty(_telegram.Calls);
    }

    [Fact]
    public async Task Unsubscribing_deletes_our_webhook()
    {
        await _client.Subscribe(_bot.Token, "https://help.example.com/hook", "secret", CancellationToken.None);

        await _client.Unsubscribe(_bot.Token, "https://help.example.com/hook", CancellationToken.None);

        Assert.Null(_telegram.WebhookOf(_bot));
        Assert.Single(_telegram.CallsTo("deleteWebhook"));
    }

    /// <summary>The customer moved the bot to another service before disconnecting it from us: their new setup keeps working.</summary>
    [Fact]
    public async Task Unsubscribing_leaves_alone_a_webhook_that_points_elsewhere()
    {
        await _client.Subscribe(_bot.Token, "https://elsewhere.example.org/bot", "theirs", CancellationToken.None);

        await _client.Unsubscribe(_bot.Token, "https://help.example.com/hook", CancellationToken.None);

        Assert.Equal("https://elsewhere.example.org/bot", _telegram.WebhookOf(_bot)?.Url);
        Assert.Empty(_telegram.CallsTo("deleteWebhook"));
    }

    [Fact]
    public async Task Unsubscribing_a_revoked_token_is_not_an_error()
    {
        await _client.Unsubscribe("42:AAHrevokedrevokedrevokedrevokedrevo", "https://help.example.com/hook", CancellationToken.None);
        await _client.Unsubscribe("not a token", "https://help.example.com/hook", CancellationToken.None);

        Assert.Equal(401, Assert.Single(_telegram.Calls).AnsweredWith);
    }

    [Fact]
    public async Task Text_arrives_exactly_as_typed_with_no_parse_mode()
    {
        const string text = "<b>not bold</b> & *not bold* _not italic_ `x` [a](http://x.y) \\ \"q\" 'a' ёжик 😀\r\nsecond line  ";

        var outcome = await Send(5551234, text);

        Assert.Equal(new SendOutcome.Sent("1"), outcome);
        var call = Assert.Single(_telegram.CallsTo("sendMessage"));
        Assert.Equal(text, call.Text);
        Assert.Equal(5551234, call.ChatId);
        Assert.False(call.Has("parse_mode"));
        Assert.False(call.Has("entities"));
        Assert.False(call.Has("reply_markup"));
        Assert.Equal(text, Assert.Single(_telegram.Sent(5551234)).Text);
    }

    [Fact]
    public async Task Message_ids_come_from_Telegram_per_chat()
    {
        Assert.Equal(new SendOutcome.Sent("1"), await Send(100, "a"));
        Assert.Equal(new SendOutcome.Sent("2"), await Send(100, "b"));
        Assert.Equal(new SendOutcome.Sent("1"), await Send(200, "c"));
    }

    [Fact]
    public async Task Buttons_become_an_inline_keyboard_one_button_per_row()
    {
        var outcome = await Send(5551234, "Was your question answered?", new ChoiceButton("Yes 👍", "csat:t42:yes"), new ChoiceButton("No", "csat:t42:no"));

        Assert.IsType<SendOutcome.Sent>(outcome);
        var call = Assert.Single(_telegram.CallsTo("sendMessage"));
        var rows = call.Body.GetProperty("reply_markup").GetProperty("inline_keyboard");
        var expected = JsonNode.Parse("""[[{"text":"Yes 👍","callback_data":"csat:t42:yes"}],[{"text":"No","callback_data":"csat:t42:no"}]]""");
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(rows.GetRawText())), rows.GetRawText());
        Assert.Equal([new TelegramButton("Yes 👍", "csat:t42:yes"), new TelegramButton("No", "csat:t42:no")], _telegram.Sent().Single().Buttons);
    }

    [Fact]
    public async Task Callback_data_of_64_bytes_goes_through()
    {
        Assert.IsType<SendOutcome.Sent>(await Send(1, "pick", new ChoiceButton("ok", new string('a', 64))));
        // 32 Cyrillic letters are 32 characters but 64 UTF-8 bytes.
        Assert.IsType<SendOutcome.Sent>(await Send(1, "pick", new ChoiceButton("ok", new string('ж', 32))));
    }

    [Theory]
    [InlineData(65, 'a')]
    [InlineData(33, 'ж')]
    [InlineData(0, 'a')]
    public async Task Callback_data_Telegram_would_refuse_fails_permanently_without_a_call(int length, char letter)
    {
        var outcome = await Send(1, "pick", new ChoiceButton("fine", "ok"), new ChoiceButton("Too long", new string(letter, length)));

        var failed = Assert.IsType<SendOutcome.Failed>(outcome);
        Assert.True(failed.Permanent);
        Assert.Contains("Too long", failed.Error);
        Assert.Empty(_telegram.Calls);
    }

    /// <summary>Telegram.Bot would wait and retry a 429 of up to 60 s by itself; here our queue decides.</summary>
    [Fact]
    public async Task Too_many_requests_is_RetryAfter_with_Telegrams_wait_and_no_retry_by_the_library()
    {
        _telegram.FailNext(chatId: 777, count: 1, TelegramFailure.TooManyRequests(retryAfter: 2));
        var watch = Stopwatch.StartNew();

        var outcome = await Send(777, "hello");

        Assert.Equal(new SendOutcome.RetryAfter(TimeSpan.FromSeconds(2)), outcome);
        Assert.Equal(429, Assert.Single(_telegram.CallsTo("sendMessage")).AnsweredWith);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1.5), $"the send waited {watch.Elapsed}");
        Assert.Empty(_telegram.Sent());
    }

    [Fact]
    public async Task A_customer_who_blocked_the_bot_is_Blocked_with_Telegrams_reason()
    {
        _telegram.Block(888);

        Assert.Equal(new SendOutcome.Blocked("Forbidden: bot was blocked by the user"), await Send(888, "hello"));
        Assert.IsType<SendOutcome.Sent>(await Send(889, "someone else"));

        _telegram.Unblock(888);
        Assert.IsType<SendOutcome.Sent>(await Send(888, "hello again"));
    }

    [Fact]
    public async Task A_deleted_account_is_Blocked_too()
    {
        _telegram.FailNext(chatId: 888, count: 1, TelegramFailure.UserDeactivated());

        Assert.Equal(new SendOutcome.Blocked("Forbidden: user is deactivated"), await Send(888, "hello"));
    }

    [Fact]
    public async Task Telegram_server_errors_are_worth_retrying()
    {
        _telegram.FailNext(count: 1, TelegramFailure.InternalServerError());
        _telegram.FailNext(count: 1, TelegramFailure.BadGatewayPage());

        Assert.Equal(new SendOutcome.Failed("Internal Server Error", Permanent: false), await Send(1, "a"));
        var page = Assert.IsType<SendOutcome.Failed>(await Send(1, "b"));
        Assert.False(page.Permanent);
        Assert.Contains("HTTP 502", page.Error);
        Assert.IsType<SendOutcome.Sent>(await Send(1, "c"));
        Assert.Equal([500, 502, 200], _telegram.CallsTo("sendMessage").Select(c => c.AnsweredWith));
    }

    [Fact]
    public async Task A_bad_request_fails_permanently()
    {
        _telegram.FailNext(chatId: 404404, count: 1, TelegramFailure.ChatNotFound());

        Assert.Equal(new SendOutcome.Failed("Bad Request: chat not found", Permanent: true), await Send(404404, "hello"));
        Assert.Equal(new SendOutcome.Failed("Bad Request: message is too long", Permanent: true), await Send(1, new string('x', 4097)));
        Assert.Equal(new SendOutcome.Failed("Bad Request: message text is empty", Permanent: true), await Send(1, ""));
    }

    [Fact]
    public async Task What_is_not_a_Telegram_chat_id_or_token_fails_permanently_without_a_call()
    {
        var notAChat = await _client.Send(_bot.Token, new OutgoingMessage("@someone", "hi", null), CancellationToken.None);
        var notAToken = await _client.Send("nonsense", new OutgoingMessage("1", "hi", null), CancellationToken.None);

        Assert.True(Assert.IsType<SendOutcome.Failed>(notAChat).Permanent);
        Assert.True(Assert.IsType<SendOutcome.Failed>(notAToken).Permanent);
        Assert.Empty(_telegram.Calls);
    }

    [Fact]
    public async Task A_revoked_token_fails_sends_permanently()
    {
        var outcome = await _client.Send("42:AAHrevokedrevokedrevokedrevokedrevo", new OutgoingMessage("1", "hi", null), CancellationToken.None);

        var failed = Assert.IsType<SendOutcome.Failed>(outcome);
        Assert.True(failed.Permanent);
        Assert.Contains("refuses the bot token", failed.Error);
    }

    [Fact]
    public async Task A_Telegram_that_does_not_answer_in_time_is_worth_retrying()
    {
        using var impatient = ClientOf(_telegram.BaseUrl, timeout: TimeSpan.FromMilliseconds(300));
        _telegram.Delay = TimeSpan.FromSeconds(3);

        var outcome = await impatient.Send(_bot.Token, new OutgoingMessage("1", "hi", null), CancellationToken.None);

        var failed = Assert.IsType<SendOutcome.Failed>(outcome);
        Assert.False(failed.Permanent);
        Assert.Contains("timed out", failed.Error);
    }

    [Fact]
    public async Task An_unreachable_Telegram_is_worth_retrying()
    {
        using var nowhere = ClientOf($"http://127.0.0.1:{ClosedPort()}");

        var outcome = await nowhere.Send(_bot.Token, new OutgoingMessage("1", "hi", null), CancellationToken.None);

        Assert.False(Assert.IsType<SendOutcome.Failed>(outcome).Permanent);
    }

    [Fact]
    public async Task Cancelling_a_send_is_not_an_outcome()
    {
        _telegram.Delay = TimeSpan.FromSeconds(3);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            _client.Send(_bot.Token, new OutgoingMessage("1", "hi", null), cancel.Token));
    }

    [Fact]
    public async Task A_button_press_is_answered()
    {
        await _client.AnswerCallback(_bot.Token, "4382bfdwdsb323b2d9", null, CancellationToken.None);

        Assert.Equal(["4382bfdwdsb323b2d9"], _telegram.AnsweredCallbacks);
    }

    [Fact]
    public async Task A_stale_button_press_that_cannot_be_answered_breaks_nothing()
    {
        _telegram.FailNextCall("answerCallbackQuery", 1,
            new TelegramFailure(400, "Bad Request: query is too old and response timeout expired or query ID is invalid"));

        await _client.AnswerCallback(_bot.Token, "1234", null, CancellationToken.None);
        using var nowhere = ClientOf($"http://127.0.0.1:{ClosedPort()}");
        await nowhere.AnswerCallback(_bot.Token, "1234", null, CancellationToken.None);

        Assert.Equal(400, Assert.Single(_telegram.Calls).AnsweredWith);
    }

    [Fact]
    public void A_deep_link_opens_the_bot_with_the_payload()
    {
        Assert.Equal("https://t.me/acme_support_bot?start=tkt_42-Ab", _client.DeepLink("acme_support_bot", "tkt_42-Ab"));
        Assert.Equal("https://t.me/acme_support_bot?start=x", _client.DeepLink("@acme_support_bot", "x"));
        Assert.Throws<ArgumentException>(() => _client.DeepLink("acme_support_bot", "has space"));
        Assert.Throws<ArgumentException>(() => _client.DeepLink("acme_support_bot", new string('a', 65)));
        Assert.Throws<ArgumentException>(() => _client.DeepLink("acme support", "x"));
    }

    [Fact]
    public async Task The_fake_fails_only_the_chat_a_test_names_and_only_as_often_as_told()
    {
        _telegram.FailNext(chatId: 10, count: 2, TelegramFailure.InternalServerError());

        Assert.IsType<SendOutcome.Sent>(await Send(11, "other chat"));
        Assert.IsType<SendOutcome.Failed>(await Send(10, "1st"));
        Assert.IsType<SendOutcome.Failed>(await Send(10, "2nd"));
        Assert.IsType<SendOutcome.Sent>(await Send(10, "3rd"));
        Assert.Equal(["other chat", "3rd"], _telegram.Sent().Select(m => m.Text));
    }

    [Fact]
    public async Task The_channel_registers_from_configuration()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Zapnoty:Telegram:ApiBaseUrl"] = _telegram.BaseUrl })
            .Build();
        await using var services = new ServiceCollection().AddLogging().AddTelegramChannel(configuration).BuildServiceProvider();

        var client = Assert.Single(services.GetServices<IMessengerClient>());
        Assert.Equal(Channel.Telegram, client.Channel);
        Assert.Same(services.GetRequiredService<TelegramMessengerClient>(), client);
        Assert.Equal("acme_support_bot", (await client.Identify(_bot.Token, CancellationToken.None)).Username);
    }

    [Fact]
    public void A_misconfigured_api_url_is_refused()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Zapnoty:Telegram:ApiBaseUrl"] = "api.telegram.org" })
            .Build();
        using var services = new ServiceCollection().AddLogging().AddTelegramChannel(configuration).BuildServiceProvider();

        Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<TelegramOptions>>().Value);
    }

    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
