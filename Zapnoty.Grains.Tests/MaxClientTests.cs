using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Zapnoty.Grains.Channels;
using Zapnoty.Grains.Channels.Max;
using Zapnoty.Grains.Tests.Infrastructure;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// Our <see cref="MaxMessengerClient"/>, registered as the product registers it (typed client,
/// resilience handler), against a fake Max Bot API on 127.0.0.1.
/// </summary>
public sealed class MaxClientTests : IAsyncLifetime
{
    private FakeMaxServer _max = null!;
    private ServiceProvider _services = null!;
    private MaxMessengerClient _client = null!;
    private FakeMaxBot _bot = null!;

    public async Task InitializeAsync()
    {
        _max = await FakeMaxServer.Start();
        (_services, _client) = ClientOf(_max.BaseUrl);
        _bot = _max.AddBot("acme_support_bot");
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _max.DisposeAsync();
    }

    private static (ServiceProvider, MaxMessengerClient) ClientOf(string apiBaseUrl, TimeSpan? timeout = null)
    {
        var settings = new Dictionary<string, string?> { ["Zapnoty:Max:ApiBaseUrl"] = apiBaseUrl };
        if (timeout is { } t) settings["Zapnoty:Max:RequestTimeout"] = t.ToString();
        var services = new ServiceCollection().AddLogging()
            .AddMaxChannel(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .BuildServiceProvider();
        return (services, services.GetRequiredService<MaxMessengerClient>());
    }

    private Task<SendOutcome> Send(long userId, string text, params ChoiceButton[] buttons) =>
        _client.Send(_bot.Token, new OutgoingMessage(userId.ToString(), text, buttons.Length > 0 ? buttons : null), CancellationToken.None);

    private IReadOnlyList<MaxCall> Sends => _max.CallsTo("POST", "/messages");

    [Fact]
    public async Task A_good_token_identifies_the_bot_and_travels_in_the_Authorization_header_only()
    {
        var identity = await _client.Identify(_bot.Token, CancellationToken.None);

        Assert.Equal(new BotIdentity(_bot.Id.ToString(), "acme_support_bot"), identity);
        var call = Assert.Single(_max.Calls);
        Assert.Equal(("GET", "/me", _bot.Token, 200), (call.Method, call.Path, call.Token, call.AnsweredWith));
        Assert.Empty(call.Query);
        Assert.Equal(Channel.Max, _client.Channel);
    }

    [Fact]
    public async Task A_bot_whose_username_no_deep_link_can_carry_is_not_identified()
    {
        var odd = _max.AddBot("f9LHodD0cOKoddoddoddoddoddodd", 9_123_456, "odd name");

        await Assert.ThrowsAsync<InvalidOperationException>(() => _client.Identify(odd.Token, CancellationToken.None));
    }

    [Fact]
    public async Task A_token_Max_refuses_is_invalid_on_access_token()
    {
        var refused = await Assert.ThrowsAsync<DomainException>(() => _client.Identify("f9LHodD0cOKrevokedrevokedrevoked", CancellationToken.None));

        Assert.Equal((DomainErrorKind.Invalid, "access_token"), (refused.Kind, refused.Field));
        Assert.Contains("does not accept this access token", refused.Message);
        Assert.Equal(401, Assert.Single(_max.Calls).AnsweredWith);
    }

    [Theory]
    [InlineData("")]
    [InlineData("hello")]
    [InlineData("not a token at all, just words")]
    [InlineData("f9LHodD0cOK\r\nX-Injected: 1")]
    [InlineData(" f9LHodD0cOKabcdefghijklmnop")]
    [InlineData("f9LHodD0cOKабвгдежзийклмноп")]
    public async Task A_malformed_token_is_refused_without_asking_Max(string token)
    {
        var refused = await Assert.ThrowsAsync<DomainException>(() => _client.Identify(token, CancellationToken.None));

        Assert.Equal(("access_token", DomainErrorKind.Invalid), (refused.Field, refused.Kind));
        Assert.Empty(_max.Calls);
    }

    [Fact]
    public async Task Subscribing_registers_our_url_secret_and_the_five_update_types()
    {
        await _client.Subscribe(_bot.Token, "https://help.example.com/v1/channels/max/1/webhook", "s3cr3t_Token-42", CancellationToken.None);

        var subscription = Assert.Single(_max.SubscriptionsOf(_bot));
        Assert.Equal("https://help.example.com/v1/channels/max/1/webhook", subscription.Url);
        Assert.Equal("s3cr3t_Token-42", subscription.Secret);
        Assert.Equal(["message_created", "message_edited", "bot_started", "message_callback", "bot_stopped"], subscription.UpdateTypes!);
        Assert.Equal(_bot.Token, Assert.Single(_max.CallsTo("POST", "/subscriptions")).Token);
    }

    [Fact]
    public async Task Subscribing_with_a_revoked_token_is_invalid_on_access_token()
    {
        var refused = await Assert.ThrowsAsync<DomainException>(() =>
            _client.Subscribe("f9LHodD0cOKrevokedrevokedrevoked", "https://help.example.com/hook", "secret", CancellationToken.None));
        Assert.Equal("access_token", refused.Field);
    }

    [Fact]
    public async Task A_subscription_Max_will_not_make_is_an_error_not_a_silent_success()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            _client.Subscribe(_bot.Token, "http://not-https.example.com/hook", "secret", CancellationToken.None));
        Assert.Empty(_max.SubscriptionsOf(_bot));
    }

    [Theory]
    [InlineData("")]
    [InlineData("abcd")]
    [InlineData("has space")]
    [InlineData("semi;colon")]
    public async Task A_secret_Max_would_not_take_is_our_callers_bug_and_never_sent(string secret)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _client.Subscribe(_bot.Token, "https://help.example.com/hook", secret, CancellationToken.None));
        Assert.Empty(_max.Calls);
    }

    [Fact]
    public async Task Unsubscribing_removes_our_subscription_by_its_url_and_leaves_others()
    {
        const string ours = "https://help.example.com/v1/channels/max/1/webhook?x=1&y=2";
        await _client.Subscribe(_bot.Token, ours, "secret", CancellationToken.None);
        await _client.Subscribe(_bot.Token, "https://elsewhere.example.org/bot", "theirs", CancellationToken.None);

        await _client.Unsubscribe(_bot.Token, ours, CancellationToken.None);

        Assert.Equal(["https://elsewhere.example.org/bot"], _max.SubscriptionsOf(_bot).Select(s => s.Url));
        Assert.Equal(ours, Assert.Single(_max.CallsTo("DELETE", "/subscriptions")).QueryValue("url"));
    }

    [Fact]
    public async Task Unsubscribing_a_revoked_token_is_not_an_error()
    {
        await _client.Unsubscribe("f9LHodD0cOKrevokedrevokedrevoked", "https://help.example.com/hook", CancellationToken.None);
        await _client.Unsubscribe("not a token", "https://help.example.com/hook", CancellationToken.None);

        Assert.Equal(401, Assert.Single(_max.Calls).AnsweredWith);
    }

    [Fact]
    public async Task Text_arrives_exactly_as_typed_to_the_user_id_with_no_format()
    {
        const string text = "<b>not bold</b> & *not bold* _not italic_ **x** `x` [a](http://x.y) \\ \"q\" ёжик 😀\r\nsecond line  ";

        var outcome = await Send(5551234, text);

        var sent = Assert.Single(_max.Sent(5551234));
        Assert.Equal(new SendOutcome.Sent(sent.Mid), outcome);
        Assert.Equal(text, sent.Text);
        var call = Assert.Single(Sends);
        Assert.Equal("5551234", call.QueryValue("user_id"));
        Assert.Null(call.QueryValue("chat_id"));
        Assert.False(call.Has("format"));
        Assert.False(call.Has("attachments"));
    }

    [Fact]
    public async Task Buttons_become_an_inline_keyboard_of_callback_buttons_one_per_row()
    {
        var outcome = await Send(5551234, "What is it about?", new ChoiceButton("Billing 💳", "type:1"), new ChoiceButton("Bug", "type:2"));

        Assert.IsType<SendOutcome.Sent>(outcome);
        var attachments = Assert.Single(Sends).Body.GetProperty("attachments");
        var expected = JsonNode.Parse("""
            [{"type":"inline_keyboard","payload":{"buttons":[[{"type":"callback","text":"Billing 💳","payload":"type:1"}],[{"type":"callback","text":"Bug","payload":"type:2"}]]}}]
            """);
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(attachments.GetRawText())), attachments.GetRawText());
        Assert.Equal([new MaxButton("callback", "Billing 💳", "type:1"), new MaxButton("callback", "Bug", "type:2")], _max.Sent().Single().Buttons);
    }

    [Theory]
    [InlineData(129, 1)]
    [InlineData(0, 1)]
    [InlineData(5, 1025)]
    [InlineData(5, 0)]
    public async Task Buttons_Max_would_refuse_fail_permanently_without_a_call(int textLength, int payloadLength)
    {
        var outcome = await Send(1, "pick", new ChoiceButton("fine", "ok"), new ChoiceButton(new string('t', textLength), new string('p', payloadLength)));

        Assert.True(Assert.IsType<SendOutcome.Failed>(outcome).Permanent);
        Assert.Empty(_max.Calls);
    }

    /// <summary>Agent replies may be 4096 characters; Max takes 4000. The longer ones fail with a reason the agent can act on.</summary>
    [Fact]
    public async Task Four_thousand_characters_go_through_and_more_fail_permanently_with_the_reason_and_no_call()
    {
        Assert.IsType<SendOutcome.Sent>(await Send(1, new string('x', 4000)));

        var failed = Assert.IsType<SendOutcome.Failed>(await Send(1, new string('x', 4096)));

        Assert.True(failed.Permanent);
        Assert.Contains("at most 4000 characters", failed.Error);
        Assert.Contains("4096", failed.Error);
        Assert.Single(Sends);
    }

    [Fact]
    public async Task Too_many_requests_is_RetryAfter_with_Maxs_wait_and_no_retry_by_the_client()
    {
        _max.FailNext(userId: 777, count: 1, MaxFailure.TooManyRequests(retryAfter: 3));
        var watch = Stopwatch.StartNew();

        var outcome = await Send(777, "hello");

        Assert.Equal(new SendOutcome.RetryAfter(TimeSpan.FromSeconds(3)), outcome);
        Assert.Equal(429, Assert.Single(Sends).AnsweredWith);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1.5), $"the send waited {watch.Elapsed}");
        Assert.Empty(_max.Sent());
    }

    [Fact]
    public async Task Too_many_requests_without_a_wait_waits_a_second()
    {
        _max.FailNext(userId: 777, count: 1, MaxFailure.TooManyRequests());

        Assert.Equal(new SendOutcome.RetryAfter(TimeSpan.FromSeconds(1)), await Send(777, "hello"));
    }

    [Fact]
    public async Task A_customer_who_blocked_the_bot_is_Blocked_with_Maxs_reason()
    {
        _max.Block(888);

        var blocked = Assert.IsType<SendOutcome.Blocked>(await Send(888, "hello"));
        Assert.Contains("chat.denied", blocked.Reason);
        Assert.Contains("blocked the bot", blocked.Reason);
        Assert.IsType<SendOutcome.Sent>(await Send(889, "someone else"));

        _max.Unblock(888);
        Assert.IsType<SendOutcome.Sent>(await Send(888, "hello again"));
    }

    [Fact]
    public async Task Chat_denied_is_Blocked_whatever_the_status()
    {
        _max.FailNext(userId: 888, count: 1, new MaxFailure(400, "chat.denied", "Dialog is closed"));

        Assert.Equal(new SendOutcome.Blocked("chat.denied: Dialog is closed"), await Send(888, "hello"));
    }

    [Fact]
    public async Task Max_server_errors_are_worth_retrying_and_the_client_does_not_retry_a_send_itself()
    {
        _max.FailNext(count: 1, MaxFailure.InternalServerError());
        _max.FailNext(count: 1, MaxFailure.BadGatewayPage());

        Assert.Equal(new SendOutcome.Failed("internal: Internal server error", Permanent: false), await Send(1, "a"));
        var page = Assert.IsType<SendOutcome.Failed>(await Send(1, "b"));
        Assert.False(page.Permanent);
        Assert.Contains("HTTP 502", page.Error);
        Assert.IsType<SendOutcome.Sent>(await Send(1, "c"));
        // One call per send: the resilience handler leaves POSTs alone.
        Assert.Equal([500, 502, 200], Sends.Select(c => c.AnsweredWith));
    }

    [Fact]
    public async Task Reads_are_retried_by_the_resilience_handler()
    {
        _max.FailNextCall("GET", "/me", 2, MaxFailure.InternalServerError());

        Assert.Equal("acme_support_bot", (await _client.Identify(_bot.Token, CancellationToken.None)).Username);
        Assert.Equal([500, 500, 200], _max.CallsTo("GET", "/me").Select(c => c.AnsweredWith));
    }

    [Fact]
    public async Task A_bad_request_and_an_unknown_user_fail_permanently()
    {
        _max.FailNext(userId: 404404, count: 1, MaxFailure.UserNotFound());
        _max.FailNext(userId: 1, count: 1, MaxFailure.BadRequest("text: invalid"));

        Assert.Equal(new SendOutcome.Failed("not.found: User not found", Permanent: true), await Send(404404, "hello"));
        Assert.Equal(new SendOutcome.Failed("proto.payload: text: invalid", Permanent: true), await Send(1, "hello"));
    }

    [Fact]
    public async Task What_is_not_a_user_id_or_a_token_fails_permanently_without_a_call()
    {
        var notAUser = await _client.Send(_bot.Token, new OutgoingMessage("@someone", "hi", null), CancellationToken.None);
        var negative = await _client.Send(_bot.Token, new OutgoingMessage("-42", "hi", null), CancellationToken.None);
        var notAToken = await _client.Send("nonsense", new OutgoingMessage("1", "hi", null), CancellationToken.None);

        Assert.All(new[] { notAUser, negative, notAToken }, o => Assert.True(Assert.IsType<SendOutcome.Failed>(o).Permanent));
        Assert.Empty(_max.Calls);
    }

    [Fact]
    public async Task A_revoked_token_fails_sends_permanently()
    {
        var outcome = await _client.Send("f9LHodD0cOKrevokedrevokedrevoked", new OutgoingMessage("1", "hi", null), CancellationToken.None);

        var failed = Assert.IsType<SendOutcome.Failed>(outcome);
        Assert.True(failed.Permanent);
        Assert.Contains("refuses the bot's access token", failed.Error);
    }

    [Fact]
    public async Task A_Max_that_does_not_answer_in_time_is_worth_retrying()
    {
        var (services, impatient) = ClientOf(_max.BaseUrl, timeout: TimeSpan.FromMilliseconds(300));
        await using var _ = services;
        _max.Delay = TimeSpan.FromSeconds(3);

        var failed = Assert.IsType<SendOutcome.Failed>(await impatient.Send(_bot.Token, new OutgoingMessage("1", "hi", null), CancellationToken.None));

        Assert.False(failed.Permanent);
        Assert.Contains("timed out", failed.Error);
    }

    [Fact]
    public async Task An_unreachable_Max_is_worth_retrying()
    {
        var (services, nowhere) = ClientOf($"http://127.0.0.1:{ClosedPort()}");
        await using var _ = services;

        var outcome = await nowhere.Send(_bot.Token, new OutgoingMessage("1", "hi", null), CancellationToken.None);

        Assert.False(Assert.IsType<SendOutcome.Failed>(outcome).Permanent);
    }

    [Fact]
    public async Task Cancelling_a_send_is_not_an_outcome()
    {
        _max.Delay = TimeSpan.FromSeconds(3);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _client.Send(_bot.Token, new OutgoingMessage("1", "hi", null), cancel.Token));
    }

    [Fact]
    public async Task A_button_press_is_answered_by_its_callback_id()
    {
        await _client.AnswerCallback(_bot.Token, "f7c0a2/+=&x", null, CancellationToken.None);

        Assert.Equal(["f7c0a2/+=&x"], _max.AnsweredCallbacks);
        Assert.Equal(_bot.Token, Assert.Single(_max.Calls).Token);
    }

    [Fact]
    public async Task A_stale_button_press_that_cannot_be_answered_breaks_nothing()
    {
        _max.FailNextCall("POST", "/answers", 1, MaxFailure.BadRequest("callback.expired"));

        await _client.AnswerCallback(_bot.Token, "1234", null, CancellationToken.None);
        var (services, nowhere) = ClientOf($"http://127.0.0.1:{ClosedPort()}");
        await using var _ = services;
        await nowhere.AnswerCallback(_bot.Token, "1234", null, CancellationToken.None);

        Assert.Equal(400, Assert.Single(_max.Calls).AnsweredWith);
    }

    [Fact]
    public void A_deep_link_opens_the_bot_with_the_payload()
    {
        Assert.Equal("https://max.ru/acme_support_bot?start=help_acme-1", _client.DeepLink("acme_support_bot", "help_acme-1"));
        Assert.Equal("https://max.ru/id7700_bot?start=x", _client.DeepLink("@id7700_bot", "x"));
        Assert.Equal(128, new Uri(_client.DeepLink("acme_support_bot", new string('a', 128))).Query.Length - "?start=".Length);
        Assert.Throws<ArgumentException>(() => _client.DeepLink("acme_support_bot", "has space"));
        Assert.Throws<ArgumentException>(() => _client.DeepLink("acme_support_bot", new string('a', 129)));
        Assert.Throws<ArgumentException>(() => _client.DeepLink("acme support", "x"));
    }

    [Fact]
    public async Task The_fake_fails_only_the_user_a_test_names_and_only_as_often_as_told()
    {
        _max.FailNext(userId: 10, count: 2, MaxFailure.InternalServerError());

        Assert.IsType<SendOutcome.Sent>(await Send(11, "other user"));
        Assert.IsType<SendOutcome.Failed>(await Send(10, "1st"));
        Assert.IsType<SendOutcome.Failed>(await Send(10, "2nd"));
        Assert.IsType<SendOutcome.Sent>(await Send(10, "3rd"));
        Assert.Equal(["other user", "3rd"], _max.Sent().Select(m => m.Text));
    }

    [Fact]
    public void The_channel_is_one_of_the_messenger_clients()
    {
        var client = Assert.Single(_services.GetServices<IMessengerClient>());

        Assert.Equal(Channel.Max, client.Channel);
        Assert.IsType<MaxMessengerClient>(client);
    }

    [Fact]
    public void A_misconfigured_api_url_is_refused()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Zapnoty:Max:ApiBaseUrl"] = "platform-api2.max.ru" })
            .Build();
        using var services = new ServiceCollection().AddLogging().AddMaxChannel(configuration).BuildServiceProvider();

        Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<MaxOptions>>().Value);
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
