using System.Net;
using Zapnoty.Grains.Tests.Infrastructure;
using static Zapnoty.Grains.Tests.Infrastructure.Poll;
using static Zapnoty.Grains.Tests.Infrastructure.TicketJson;
using Updates = Zapnoty.Grains.Tests.Infrastructure.MaxUpdateBuilder;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// Customers on Max: our client talks to a fake Max Bot API on loopback, and updates are
/// posted to our real webhook route, as Max would. The dialog is the one Telegram customers
/// get, through the same conversation grain, inbox and outbox: the scenarios are the ones every
/// messenger passes (<see cref="MessengerChannelTests{TBot, TCustomer}"/>); this is Max's driver
/// for them, and the scenarios only Max has.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class MaxChannelTests(ClusterFixture cluster) : MessengerChannelTests<FakeMaxBot, MaxCustomer>(cluster)
{
    private FakeMaxServer Max => Cluster.Max;

    protected override string Channel => "max";
    protected override string Messenger => "Max";
    protected override string TokenField => "access_token";
    protected override string UnknownToken => "f9LHodD0cOKnotATokenMaxKnows";
    protected override int CustomersAtOnce => 20;
    protected override string LeftBotReason => "The customer stopped the bot in Max.";
    protected override (string DeliveryError, string UnreachableReason) BlockedSays => ("blocked the bot", "chat.denied");

    protected override FakeMaxBot AddBot() => Max.AddBot();
    protected override string TokenOf(FakeMaxBot bot) => bot.Token;
    protected override long IdOf(FakeMaxBot bot) => bot.Id;
    protected override string UsernameOf(FakeMaxBot bot) => bot.Username;
    protected override string DeepLink(FakeMaxBot bot, string slug) => $"https://max.ru/{bot.Username}?start=help_{slug}";

    protected override void AssertWebhookRegistered(FakeMaxBot bot)
    {
        var subscription = Assert.Single(Max.SubscriptionsOf(bot));
        Assert.Equal($"https://helpdesk.example.com/v1/channels/max/{bot.Id}/webhook", subscription.Url);
        Assert.Equal(["message_created", "message_edited", "bot_started", "message_callback", "bot_stopped"], subscription.UpdateTypes!);
        Assert.Matches("^[a-zA-Z0-9_-]{5,256}$", subscription.Secret!);
    }

    protected override void AssertWebhookRemoved(FakeMaxBot bot)
    {
        Assert.Empty(Max.SubscriptionsOf(bot));
        Assert.Equal($"https://helpdesk.example.com/v1/channels/max/{bot.Id}/webhook",
            Assert.Single(Max.CallsTo("DELETE", "/subscriptions"), c => c.Token == bot.Token).QueryValue("url"));
    }

    protected override string SecretOf(FakeMaxBot bot) => Assert.Single(Max.SubscriptionsOf(bot)).Secret!;

    protected override Task<HttpResponseMessage> PostRaw(FakeMaxBot bot, string update, string? secret, int silo = 0) =>
        ChannelWebhook.Max(Cluster.Silos[silo], bot, update, secret);

    protected override MaxCustomer NewCustomer(string firstName = "Anna", string? lastName = "Petrova", string? username = "anna_petrova") =>
        MaxCustomer.New(firstName, lastName, username);

    protected override long IdOf(MaxCustomer customer) => customer.UserId;
    protected override string Start(MaxCustomer customer, string payload) => Updates.Started(customer, payload);
    protected override string NextMessageId() => Updates.NextMid();
    protected override string Text(MaxCustomer customer, string text, string? messageId = null) => Updates.Text(customer, text, mid: messageId);
    protected override string Edited(MaxCustomer customer, string messageId, string text) => Updates.Edited(customer, messageId, text);
    protected override string NewCallbackId() => Updates.NewCallbackId();
    protected override string Pressed(MaxCustomer customer, FakeMaxBot bot, BotMessage under, string data, string callbackId) =>
        Updates.Callback(customer, data, under.Id, callbackId, bot);
    protected override string LeavesBot(MaxCustomer customer, FakeMaxBot bot) => Updates.BotStopped(customer);
    protected override string ComesBack(MaxCustomer customer, FakeMaxBot bot, string slug) => Updates.Started(customer, $"help_{slug}");

    protected override IEnumerable<string> UpdatesThatOpenNothing(MaxCustomer customer) =>
        [Updates.GroupText(customer, -100123456, "hello group"), Updates.BotStopped(customer), "not json at all"];

    protected override (string Update, IReadOnlyDictionary<string, string> Shows) Photo(MaxCustomer customer, string caption) =>
        (Updates.Attachment(customer, "image", "photo-token-1", caption: caption),
            new Dictionary<string, string> { ["kind"] = "photo", ["file_id"] = "photo-token-1", ["url"] = "https://i.oneme.ru/i?r=photo-token-1" });

    protected override (string Update, IReadOnlyDictionary<string, string> Shows) Document(MaxCustomer customer) =>
        (Updates.Attachment(customer, "file", "file-token-1", fileName: "receipt.pdf", size: 1234),
            new Dictionary<string, string> { ["kind"] = "document", ["file_name"] = "receipt.pdf", ["size"] = "1234" });

    protected override IReadOnlyList<BotMessage> Sent() => Max.Sent().Select(Read).ToList();

    protected override async Task<IReadOnlyList<BotMessage>> WaitForSent(Func<IReadOnlyList<BotMessage>, bool> done) =>
        (await Max.WaitForSent(s => done(s.Select(Read).ToList()))).Select(Read).ToList();

    /// <summary>Max takes the user in the query and the token in the Authorization header, never in the URL.</summary>
    protected override void AssertSentAsTyped(MaxCustomer customer, FakeMaxBot bot, string typed)
    {
        var sent = Max.Sent(customer.UserId).Last(m => m.Text == typed);
        Assert.False(sent.Call.Has("format"));
        Assert.Equal(customer.UserId.ToString(), sent.Call.QueryValue("user_id"));
        Assert.Equal(bot.Token, sent.Call.Token);
        Assert.Empty(sent.Call.Query.Keys.Except(["user_id"]));
        Assert.All(Max.Calls, c => Assert.False(c.Query.ContainsKey("access_token")));
    }

    protected override void FailNextSends(MaxCustomer customer, int count, HttpStatusCode status) =>
        Max.FailNext(customer.UserId, count, status == HttpStatusCode.TooManyRequests ? MaxFailure.TooManyRequests(retryAfter: 1) : MaxFailure.InternalServerError());

    protected override IReadOnlyList<int> SendAttempts(MaxCustomer customer, string text) =>
        Max.CallsTo("POST", "/messages").Where(c => c.UserId == customer.UserId && c.Text == text).Select(c => c.AnsweredWith).ToList();

    protected override void Block(MaxCustomer customer) => Max.Block(customer.UserId);
    protected override IReadOnlyList<string> AnsweredCallbacks => Max.AnsweredCallbacks;

    private static BotMessage Read(SentMaxMessage m) =>
        new(m.UserId, m.Mid, m.Text, m.Buttons.Select(b => new BotButton(b.Text, b.Payload, b.Type)).ToList());

    [Fact]
    public async Task The_Telegram_secret_header_does_not_open_the_Max_route()
    {
        var (agent, projectId, _) = await Project();
        var bot = await Connect(agent, projectId);
        using var otherHeader = await ChannelWebhook.Max(Cluster.Silos[0], bot, Updates.Text(MaxCustomer.New(), "Where is my parcel?"), SecretOf(bot),
            ChannelWebhook.TelegramSecretHeader);
        Assert.Equal(HttpStatusCode.Unauthorized, otherHeader.StatusCode);
        await Task.Delay(300);
        Assert.Equal(0, await agent.TicketCount(projectId));
    }

    [Fact]
    public async Task A_replayed_bot_started_which_has_no_id_of_its_own_is_applied_once()
    {
        var (agent, projectId, _) = await Project();
        var bot = await Connect(agent, projectId);
        var customer = MaxCustomer.New();

        // bot_started is keyed by user and time.
        var started = Updates.Started(customer, "help_nowhere");
        await Post(bot, started);
        await Post(bot, started, silo: 1);
        await Max.WaitForSent(s => s.Any(m => m.UserId == customer.UserId && m.Text.Contains("not valid")));
        await Task.Delay(500);
        Assert.Single(Max.Sent(customer.UserId), m => m.Text.Contains("not valid"));
    }

    /// <summary>Agents may write 4096 characters; Max takes 4000. The reply fails at once with a reason, and is never split.</summary>
    [Fact]
    public async Task A_reply_longer_than_Max_takes_fails_with_the_reason_and_nothing_is_sent()
    {
        var (agent, projectId, _) = await Project();
        var bot = await Connect(agent, projectId);
        var customer = MaxCustomer.New();
        var ticketId = await OpenTicket(agent, projectId, bot, customer, "Long story");
        var before = Max.CallsTo("POST", "/messages").Count;

        var reply = await agent.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = new string('x', 4001) });

        await Eventually(async () => Message(await agent.Get($"/v1/helpdesk/tickets/{ticketId}"), reply.GetProperty("id").GetGuid())
            .GetProperty("delivery").GetString() == "failed");
        var error = Message(await agent.Get($"/v1/helpdesk/tickets/{ticketId}"), reply.GetProperty("id").GetGuid()).GetProperty("delivery_error").GetString();
        Assert.Contains("at most 4000 characters", error);
        Assert.Equal(before, Max.CallsTo("POST", "/messages").Count);
        // The chat is not blocked by it: the next reply goes out.
        await agent.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = new string('y', 4000) });
        await Max.WaitForSent(s => s.Any(m => m.UserId == customer.UserId && m.Text.Length == 4000));
    }

    [Fact]
    public async Task A_project_has_a_Telegram_bot_and_a_Max_bot_side_by_side()
    {
        var (agent, projectId, _) = await Project();
        await Connect(agent, projectId);
        var telegram = Cluster.Telegram.AddBot();
        await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/telegram", new { bot_token = telegram.Token }, HttpStatusCode.OK);
        var channels = (await agent.Get($"/v1/projects/{projectId}/channels")).GetProperty("items").EnumerateArray()
            .Select(c => c.GetProperty("channel").GetString()).Order();
        Assert.Equal(["max", "telegram"], channels);
    }
}
