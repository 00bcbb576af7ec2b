using System.Net;
using System.Text.Json;
using Zapnoty.Grains.Tests.Infrastructure;
using static Zapnoty.Grains.Tests.Infrastructure.Poll;
using static Zapnoty.Grains.Tests.Infrastructure.TicketJson;
using Updates = Zapnoty.Grains.Tests.Infrastructure.MaxUpdateBuilder;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// Customers on Max: our client talks to a fake Max Bot API on loopback, and updates are
/// posted to our real webhook route, as Max would. The dialog is the one Telegram customers
/// get, through the same conversation grain, inbox and outbox.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class MaxChannelTests(ClusterFixture cluster)
{
    private FakeMaxServer Max => cluster.Max;

    [Fact]
    public async Task A_customer_opens_a_ticket_from_the_deep_link_picks_a_type_and_gets_the_agents_reply_in_the_chat()
    {
        var (agent, projectId, slug) = await Project();
        var billing = (await agent.Post($"/v1/projects/{projectId}/helpdesk/ticket-types", new { name = "Billing" })).GetProperty("id").GetGuid();
        await agent.Post($"/v1/projects/{projectId}/helpdesk/ticket-types", new { name = "Bug" });
        var bot = Max.AddBot();

        var connected = await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/max", new { access_token = bot.Token }, HttpStatusCode.OK);
        Assert.Equal("max", connected.GetProperty("channel").GetString());
        Assert.Equal(bot.Id.ToString(), connected.GetProperty("bot_id").GetString());
        Assert.Equal(bot.Username, connected.GetProperty("username").GetString());
        Assert.Equal($"https://max.ru/{bot.Username}?start=help_{slug}", connected.GetProperty("deep_link").GetString());
        Assert.DoesNotContain(bot.Token, connected.GetRawText());
        var channels = await agent.Get($"/v1/projects/{projectId}/channels");
        Assert.DoesNotContain(bot.Token, channels.GetRawText());
        Assert.Equal(["max"], channels.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("channel").GetString()));
        var subscription = Assert.Single(Max.SubscriptionsOf(bot));
        Assert.Equal($"https://helpdesk.example.com/v1/channels/max/{bot.Id}/webhook", subscription.Url);
        Assert.Equal(["message_created", "message_edited", "bot_started", "message_callback", "bot_stopped"], subscription.UpdateTypes!);
        Assert.Matches("^[a-zA-Z0-9_-]{5,256}$", subscription.Secret!);

        var customer = MaxCustomer.New("Anna", "Petrova", "anna_p");
        await Post(bot, Updates.Started(customer, $"help_{slug}"));
        Assert.Contains("Describe your problem", (await SentTo(customer, 1))[0].Text);

        await Post(bot, Updates.Text(customer, "I was charged twice for order 1042"));
        var choose = await SentTo(customer, 2);
        Assert.Equal(["Billing", "Bug"], choose[1].Buttons.Select(b => b.Text));
        Assert.All(choose[1].Buttons, b => Assert.Equal("callback", b.Type));
        var billingButton = choose[1].Buttons.Single(b => b.Text == "Billing").Payload!;

        var callbackId = Updates.NewCallbackId();
        await Post(bot, Updates.Callback(customer, billingButton, choose[1].Mid, callbackId, bot));
        var confirmed = await SentTo(customer, 3);
        Assert.Equal("Ticket #1 created. We will answer you here.", confirmed[2].Text);
        Assert.Contains(callbackId, Max.AnsweredCallbacks);

        var ticket = Assert.Single((await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets")).GetProperty("items").EnumerateArray());
        Assert.Equal("max", ticket.GetProperty("channel").GetString());
        Assert.Equal(billing, ticket.GetProperty("type_id").GetGuid());
        Assert.Equal("I was charged twice for order 1042", ticket.GetProperty("subject").GetString());
        Assert.Equal(customer.UserId.ToString(), ticket.GetProperty("customer").GetProperty("external_id").GetString());
        Assert.Equal("Anna Petrova", ticket.GetProperty("customer").GetProperty("name").GetString());
        Assert.Equal("anna_p", ticket.GetProperty("customer").GetProperty("username").GetString());
        var ticketId = ticket.GetProperty("id").GetGuid();

        // The reply arrives exactly as typed, markup characters included, to the customer's user id.
        const string typed = "Hi Anna! <b>Refund</b> & *fix* are on the way_ 100% < 200 > 50 **not bold** ++x++";
        var reply = await agent.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = typed });
        Assert.Equal("pending", reply.GetProperty("delivery").GetString());
        var sent = (await SentTo(customer, 4))[3];
        Assert.Equal(typed, sent.Text);
        Assert.False(sent.Call.Has("format"));
        Assert.Equal(customer.UserId.ToString(), sent.Call.QueryValue("user_id"));
        Assert.Equal(bot.Token, sent.Call.Token);
        Assert.Empty(sent.Call.Query.Keys.Except(["user_id"]));
        await Eventually(async () => Message(await agent.Get($"/v1/helpdesk/tickets/{ticketId}"), reply.GetProperty("id").GetGuid())
            .GetProperty("delivery").GetString() == "delivered");

        // The customer answers in the chat: it joins the ticket and wakes a waiting one.
        await agent.Patch($"/v1/helpdesk/tickets/{ticketId}", new { status = "waiting" });
        await Post(bot, Updates.Text(customer, "Thank you, got it"));
        await Eventually(async () => (await agent.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages").GetArrayLength() == 3);
        var details = await agent.Get($"/v1/helpdesk/tickets/{ticketId}");
        Assert.Equal("in_progress", details.GetProperty("status").GetString());
        Assert.Equal("Thank you, got it", details.GetProperty("messages")[2].GetProperty("text").GetString());
        Assert.Equal(4, Max.Sent(customer.UserId).Count);
        Assert.All(Max.Calls, c => Assert.False(c.Query.ContainsKey("access_token")));
    }

    [Fact]
    public async Task A_redelivered_update_has_no_second_effect_and_a_wrong_secret_touches_nothing()
    {
        var (agent, projectId, _) = await Project();
        var bot = await Connect(agent, projectId);
        var customer = MaxCustomer.New();
        var update = Updates.Text(customer, "Where is my parcel?");

        using var wrong = await PostRaw(bot, update, "not-the-secret");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        using var missing = await PostRaw(bot, update, secret: null);
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        // The Telegram header does not open the Max route.
        using var otherHeader = await PostRaw(bot, update, SecretOf(bot), header: ChannelWebhook.TelegramSecretHeader);
        Assert.Equal(HttpStatusCode.Unauthorized, otherHeader.StatusCode);
        await Task.Delay(300);
        Assert.Equal(0, await agent.TicketCount(projectId));

        await Post(bot, update);
        await Post(bot, update);
        await Post(bot, update, silo: 1);
        await Eventually(async () => await agent.TicketCount(projectId) == 1);
        await Task.Delay(500);
        Assert.Equal(1, await agent.TicketCount(projectId));
        Assert.Single(Max.Sent(customer.UserId), m => m.Text.StartsWith("Ticket #1"));

        // bot_started has no id of its own (keyed by user and time): a replay is still applied once.
        var started = Updates.Started(customer, "help_nowhere");
        await Post(bot, started);
        await Post(bot, started, silo: 1);
        await Max.WaitForSent(s => s.Any(m => m.UserId == customer.UserId && m.Text.Contains("not valid")));
        await Task.Delay(500);
        Assert.Single(Max.Sent(customer.UserId), m => m.Text.Contains("not valid"));
    }

    [Fact]
    public async Task Rate_limits_are_waited_out_and_a_customer_who_blocked_the_bot_shows_as_unreachable()
    {
        var (agent, projectId, _) = await Project();
        var bot = await Connect(agent, projectId);
        var patient = MaxCustomer.New("Ivan");
        var blocker = MaxCustomer.New("Boris");
        var patientTicket = await OpenTicket(agent, projectId, bot, patient, "Slow shipping");
        var blockerTicket = await OpenTicket(agent, projectId, bot, blocker, "Wrong size");

        Max.FailNext(patient.UserId, 1, MaxFailure.TooManyRequests(retryAfter: 1));
        var reply = await agent.Post($"/v1/helpdesk/tickets/{patientTicket}/replies", new { text = "It left the warehouse today." });
        await Max.WaitForSent(s => s.Any(m => m.UserId == patient.UserId && m.Text == "It left the warehouse today."));
        var attempts = Max.CallsTo("POST", "/messages").Where(c => c.UserId == patient.UserId && c.Text == "It left the warehouse today.").ToList();
        Assert.Equal([429, 200], attempts.Select(a => a.AnsweredWith));
        await Eventually(async () => Message(await agent.Get($"/v1/helpdesk/tickets/{patientTicket}"), reply.GetProperty("id").GetGuid())
            .GetProperty("delivery").GetString() == "delivered");

        Max.Block(blocker.UserId);
        var refused = await agent.Post($"/v1/helpdesk/tickets/{blockerTicket}/replies", new { text = "Which size do you need?" });
        await Eventually(async () => Message(await agent.Get($"/v1/helpdesk/tickets/{blockerTicket}"), refused.GetProperty("id").GetGuid())
            .GetProperty("delivery").GetString() == "failed");
        var ticket = await agent.Get($"/v1/helpdesk/tickets/{blockerTicket}");
        Assert.Contains("blocked the bot", Message(ticket, refused.GetProperty("id").GetGuid()).GetProperty("delivery_error").GetString());
        Assert.Contains("chat.denied", ticket.GetProperty("customer").GetProperty("unreachable_reason").GetString());
        Assert.Single(Max.CallsTo("POST", "/messages"), c => c.UserId == blocker.UserId && c.Text == "Which size do you need?");

        // A 5xx is retried until it goes through.
        Max.FailNext(patient.UserId, 2, MaxFailure.InternalServerError());
        await agent.Post($"/v1/helpdesk/tickets/{patientTicket}/replies", new { text = "Tracking number: ZX-1" });
        await Max.WaitForSent(s => s.Any(m => m.UserId == patient.UserId && m.Text == "Tracking number: ZX-1"));
        Assert.Equal([500, 500, 200], Max.CallsTo("POST", "/messages").Where(c => c.Text == "Tracking number: ZX-1").Select(c => c.AnsweredWith));
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
    public async Task After_the_ticket_is_closed_the_next_message_opens_a_new_one_and_a_typed_start_works()
    {
        var (agent, projectId, slug) = await Project();
        var bot = await Connect(agent, projectId);
        var customer = MaxCustomer.New();

        await Post(bot, Updates.Started(customer, "help_someone-else"));
        Assert.Contains("not valid", (await SentTo(customer, 1))[0].Text);
        // Typed by hand instead of through the link: the same command.
        await Post(bot, Updates.Text(customer, $"/start help_{slug}"));
        Assert.Contains("Describe your problem", (await SentTo(customer, 2))[1].Text);
        await Post(bot, Updates.Text(customer, "The app crashes"));
        await Eventually(async () => await agent.TicketCount(projectId) == 1);
        Assert.Equal("Ticket #1 created. We will answer you here.", (await SentTo(customer, 3))[2].Text);
        var first = (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets")).GetProperty("items")[0].GetProperty("id").GetGuid();
        await Post(bot, Updates.Text(customer, "/status"));
        Assert.Equal("Ticket #1: new.", (await SentTo(customer, 4))[3].Text);

        await agent.Patch($"/v1/helpdesk/tickets/{first}", new { status = "closed" });
        await Post(bot, Updates.Text(customer, "Now the login fails too"));
        await Eventually(async () => await agent.TicketCount(projectId) == 2);
        var tickets = (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal("Now the login fails too", tickets[0].GetProperty("subject").GetString());
        Assert.Equal("max", tickets[0].GetProperty("channel").GetString());
        Assert.Equal(1, (await agent.Get($"/v1/helpdesk/tickets/{first}")).GetProperty("messages").GetArrayLength());
        await Max.WaitForSent(s => s.Any(m => m.UserId == customer.UserId && m.Text.StartsWith("Ticket #2 created")));
    }

    [Fact]
    public async Task Images_and_files_are_kept_as_attachments_with_their_urls_and_edits_update_the_text()
    {
        var (agent, projectId, _) = await Project();
        var bot = await Connect(agent, projectId);
        var customer = MaxCustomer.New();

        await Post(bot, Updates.Attachment(customer, "image", "photo-token-1", caption: "The screen looks like this"));
        await Eventually(async () => await agent.TicketCount(projectId) == 1);
        var ticketId = (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets")).GetProperty("items")[0].GetProperty("id").GetGuid();
        var first = (await agent.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages")[0];
        Assert.Equal("The screen looks like this", first.GetProperty("text").GetString());
        var photo = Assert.Single(first.GetProperty("attachments").EnumerateArray());
        Assert.Equal(("photo", "photo-token-1", "https://i.oneme.ru/i?r=photo-token-1"),
            (photo.GetProperty("kind").GetString(), photo.GetProperty("file_id").GetString(), photo.GetProperty("url").GetString()));

        await Post(bot, Updates.Attachment(customer, "file", "file-token-1", fileName: "receipt.pdf", size: 1234));
        await Eventually(async () => (await agent.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages").GetArrayLength() == 2);
        var document = (await agent.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages")[1].GetProperty("attachments")[0];
        Assert.Equal(("document", "receipt.pdf", 1234L),
            (document.GetProperty("kind").GetString(), document.GetProperty("file_name").GetString(), document.GetProperty("size").GetInt64()));

        var typo = Updates.NextMid();
        await Post(bot, Updates.Text(customer, "Teh order is late", mid: typo));
        await Post(bot, Updates.Edited(customer, typo, "The order is late"));
        await Eventually(async () => (await agent.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages").EnumerateArray()
            .Any(m => m.GetProperty("text").GetString() == "The order is late" && m.GetProperty("edited_at").ValueKind == JsonValueKind.String));
    }

    [Fact]
    public async Task A_customer_who_stops_the_bot_is_unreachable_at_once_and_reachable_again_after_starting_it()
    {
        var (agent, projectId, slug) = await Project();
        var bot = await Connect(agent, projectId);
        var customer = MaxCustomer.New("Oleg");
        var ticketId = await OpenTicket(agent, projectId, bot, customer, "The app logs me out");

        await Post(bot, Updates.BotStopped(customer));
        await Eventually(async () => UnreachableReason(await agent.Get($"/v1/helpdesk/tickets/{ticketId}")) is not null);
        Assert.Equal("The customer stopped the bot in Max.", UnreachableReason(await agent.Get($"/v1/helpdesk/tickets/{ticketId}")));

        await Post(bot, Updates.Started(customer, $"help_{slug}"));
        await Eventually(async () => UnreachableReason(await agent.Get($"/v1/helpdesk/tickets/{ticketId}")) is null);
    }

    [Fact]
    public async Task Group_messages_other_updates_and_a_disconnected_bot_create_nothing()
    {
        var (agent, projectId, _) = await Project();
        var bot = await Connect(agent, projectId);
        var customer = MaxCustomer.New();
        await Post(bot, Updates.GroupText(customer, -100123456, "hello group"));
        await Post(bot, Updates.BotStopped(customer));
        await Post(bot, "not json at all");
        await Task.Delay(500);
        Assert.Equal(0, await agent.TicketCount(projectId));

        var secret = SecretOf(bot);
        await agent.Call(HttpMethod.Delete, $"/v1/projects/{projectId}/channels/max", null, HttpStatusCode.NoContent);
        Assert.Empty(Max.SubscriptionsOf(bot));
        Assert.Equal($"https://helpdesk.example.com/v1/channels/max/{bot.Id}/webhook",
            Assert.Single(Max.CallsTo("DELETE", "/subscriptions"), c => c.Token == bot.Token).QueryValue("url"));
        using var after = await PostRaw(bot, Updates.Text(customer, "anyone?"), secret);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        await agent.Call(HttpMethod.Delete, $"/v1/projects/{projectId}/channels/max", null, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Connecting_checks_the_token_and_a_bot_serves_one_project()
    {
        var (agent, projectId, _) = await Project();
        var refused = await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/max", new { access_token = "f9LHodD0cOKnotATokenMaxKnows" },
            HttpStatusCode.BadRequest);
        Assert.Contains("does not accept this access token", refused.GetProperty("errors").GetProperty("access_token")[0].GetString());
        await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/max", new { access_token = "garbage" }, HttpStatusCode.BadRequest);

        var bot = await Connect(agent, projectId);
        var (other, otherProject, _) = await Project();
        await other.Call(HttpMethod.Put, $"/v1/projects/{otherProject}/channels/max", new { access_token = bot.Token }, HttpStatusCode.Conflict);
        // Connecting it again to its own project just renews the webhook secret.
        var secret = SecretOf(bot);
        await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/max", new { access_token = bot.Token }, HttpStatusCode.OK);
        Assert.NotEqual(secret, SecretOf(bot));

        // A project has a Telegram bot and a Max bot side by side.
        var telegram = cluster.Telegram.AddBot();
        await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/telegram", new { bot_token = telegram.Token }, HttpStatusCode.OK);
        var channels = (await agent.Get($"/v1/projects/{projectId}/channels")).GetProperty("items").EnumerateArray()
            .Select(c => c.GetProperty("channel").GetString()).Order();
        Assert.Equal(["max", "telegram"], channels);
    }

    [Fact]
    public async Task Twenty_customers_writing_at_once_each_get_their_own_ticket()
    {
        var (agent, projectId, _) = await Project();
        var bot = await Connect(agent, projectId);
        var customers = Enumerable.Range(0, 20).Select(i => MaxCustomer.New($"Customer{i}")).ToList();

        await Task.WhenAll(customers.Select((c, i) => Post(bot, Updates.Text(c, $"Problem of customer {i}"), silo: i % 2)));
        await Eventually(async () => await agent.TicketCount(projectId) == 20, seconds: 30);

        var tickets = (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets?limit=200")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(customers.Select(c => c.UserId.ToString()).Order(), tickets.Select(t => t.GetProperty("customer").GetProperty("external_id").GetString()).Order());
        await Max.WaitForSent(s => customers.All(c => s.Any(m => m.UserId == c.UserId && m.Text.StartsWith("Ticket #"))));
    }

    private async Task<(ApiClient Agent, Guid ProjectId, string Slug)> Project()
    {
        var agent = await cluster.Api().LogInAs();
        var projectId = await agent.CreateProject();
        return (agent, projectId, await agent.ProjectSlug(projectId));
    }

    private async Task<FakeMaxBot> Connect(ApiClient agent, Guid projectId)
    {
        var bot = Max.AddBot();
        await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/max", new { access_token = bot.Token }, HttpStatusCode.OK);
        return bot;
    }

    /// <summary>A project without ticket types: the first message opens the ticket.</summary>
    private async Task<Guid> OpenTicket(ApiClient agent, Guid projectId, FakeMaxBot bot, MaxCustomer customer, string text)
    {
        var before = await agent.TicketCount(projectId);
        await Post(bot, Updates.Text(customer, text));
        await Eventually(async () => await agent.TicketCount(projectId) == before + 1);
        await Max.WaitForSent(s => s.Any(m => m.UserId == customer.UserId && m.Text.StartsWith("Ticket #")));
        return (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets?customer_external_id={customer.UserId}")).GetProperty("items")[0]
            .GetProperty("id").GetGuid();
    }

    private string SecretOf(FakeMaxBot bot) => Assert.Single(Max.SubscriptionsOf(bot)).Secret!;

    private Task Post(FakeMaxBot bot, string update, int silo = 0) =>
        ChannelWebhook.Accepted(PostRaw(bot, update, SecretOf(bot), silo: silo));

    private Task<HttpResponseMessage> PostRaw(FakeMaxBot bot, string update, string? secret, int silo = 0, string header = ChannelWebhook.MaxSecretHeader) =>
        ChannelWebhook.Max(cluster.Silos[silo], bot, update, secret, header);

    private async Task<IReadOnlyList<SentMaxMessage>> SentTo(MaxCustomer customer, int count) =>
        (await Max.WaitForSent(s => s.Count(m => m.UserId == customer.UserId) >= count)).Where(m => m.UserId == customer.UserId).ToList();
}
