using System.Net;
using System.Text.Json;
using Zapnoty.Grains.Tests.Infrastructure;
using static Zapnoty.Grains.Tests.Infrastructure.Poll;
using static Zapnoty.Grains.Tests.Infrastructure.TicketJson;

namespace Zapnoty.Grains.Tests;

/// <summary>A message our bot sent, as every scenario reads it: to whom, its text and its buttons.</summary>
public sealed record BotMessage(long To, string Id, string Text, IReadOnlyList<BotButton> Buttons);

/// <summary>A button under a bot message: its label, what pressing it sends back, and its kind (<c>callback</c>: it calls the bot back).</summary>
public sealed record BotButton(string Text, string? Data, string Kind);

/// <summary>
/// The customer scenarios every messenger must pass, written once: a customer in the messenger
/// and an agent in the API, through our real webhook route, the conversation grain, the inbox
/// and the outbox, against the messenger's fake server on loopback. Each messenger's suite
/// (<see cref="TelegramChannelTests"/>, <see cref="MaxChannelTests"/>) is a driver: how to
/// connect its bot, what its updates look like and how to read what its fake server was sent;
/// scenarios only one messenger has stay in its suite.
/// </summary>
public abstract class MessengerChannelTests<TBot, TCustomer>(ClusterFixture cluster)
{
    protected ClusterFixture Cluster => cluster;

    // The messenger and its bot.

    /// <summary>The channel's wire name (<c>telegram</c>, <c>max</c>), also its route under <c>/channels/</c>.</summary>
    protected abstract string Channel { get; }

    /// <summary>The messenger's name as our messages to agents spell it.</summary>
    protected abstract string Messenger { get; }

    /// <summary>The request field that carries the bot's token.</summary>
    protected abstract string TokenField { get; }

    /// <summary>A token of the right shape that the messenger does not know.</summary>
    protected abstract string UnknownToken { get; }

    protected abstract TBot AddBot();

    protected abstract string TokenOf(TBot bot);

    protected abstract long IdOf(TBot bot);

    protected abstract string UsernameOf(TBot bot);

    protected abstract string DeepLink(TBot bot, string slug);

    /// <summary>Connecting registered our webhook with the messenger: its URL, the updates asked for, the secret's shape.</summary>
    protected abstract void AssertWebhookRegistered(TBot bot);

    /// <summary>Disconnecting told the messenger to stop posting to us.</summary>
    protected abstract void AssertWebhookRemoved(TBot bot);

    /// <summary>The secret the messenger was given to post with.</summary>
    protected abstract string SecretOf(TBot bot);

    protected abstract Task<HttpResponseMessage> PostRaw(TBot bot, string update, string? secret, int silo = 0);

    // The customer and their updates.

    protected abstract TCustomer NewCustomer(string firstName = "Anna", string? lastName = "Petrova", string? username = "anna_petrova");

    /// <summary>The customer's id in the messenger: the ticket's <c>customer.external_id</c> and where our sends go.</summary>
    protected abstract long IdOf(TCustomer customer);

    /// <summary>The customer opened the bot through its deep link with <paramref name="payload"/>.</summary>
    protected abstract string Start(TCustomer customer, string payload);

    protected abstract string NextMessageId();

    protected abstract string Text(TCustomer customer, string text, string? messageId = null);

    protected abstract string Edited(TCustomer customer, string messageId, string text);

    protected abstract string NewCallbackId();

    /// <summary>The customer pressed the button with <paramref name="data"/> under our message <paramref name="under"/>.</summary>
    protected abstract string Pressed(TCustomer customer, TBot bot, BotMessage under, string data, string callbackId);

    /// <summary>The customer blocked (Telegram) or stopped (Max) the bot.</summary>
    protected abstract string LeavesBot(TCustomer customer, TBot bot);

    /// <summary>The customer unblocked or restarted the bot.</summary>
    protected abstract string ComesBack(TCustomer customer, TBot bot, string slug);

    /// <summary>What the ticket says about a customer who left the bot.</summary>
    protected abstract string LeftBotReason { get; }

    /// <summary>Updates that are no customer writing to the bot (a group, a channel, a stray event): they open nothing.</summary>
    protected abstract IEnumerable<string> UpdatesThatOpenNothing(TCustomer customer);

    /// <summary>A photo with <paramref name="caption"/>, and the attachment fields the ticket must show for it.</summary>
    protected abstract (string Update, IReadOnlyDictionary<string, string> Shows) Photo(TCustomer customer, string caption);

    /// <summary>A document named receipt.pdf, and the attachment fields the ticket must show for it.</summary>
    protected abstract (string Update, IReadOnlyDictionary<string, string> Shows) Document(TCustomer customer);

    // What the fake server was sent, and how it fails.

    protected abstract IReadOnlyList<BotMessage> Sent();

    protected abstract Task<IReadOnlyList<BotMessage>> WaitForSent(Func<IReadOnlyList<BotMessage>, bool> done);

    /// <summary>The reply went out exactly as typed: no markup mode, to the customer, with the bot's token.</summary>
    protected abstract void AssertSentAsTyped(TCustomer customer, TBot bot, string typed);

    /// <summary>The next <paramref name="count"/> sends to the customer fail: 429 (retry after 1 s) or 500.</summary>
    protected abstract void FailNextSends(TCustomer customer, int count, HttpStatusCode status);

    /// <summary>The status of every attempt to send <paramref name="text"/> to the customer, in order.</summary>
    protected abstract IReadOnlyList<int> SendAttempts(TCustomer customer, string text);

    /// <summary>The customer blocked the bot without the bot being told: sends to them are refused.</summary>
    protected abstract void Block(TCustomer customer);

    /// <summary>Part of the delivery error, and of the customer's unreachable reason, after a send to a blocker.</summary>
    protected abstract (string DeliveryError, string UnreachableReason) BlockedSays { get; }

    /// <summary>How many customers write at once in <see cref="Customers_writing_at_once_each_get_their_own_ticket_numbered_without_gaps"/>.</summary>
    protected abstract int CustomersAtOnce { get; }

    [Fact]
    public async Task A_customer_opens_a_ticket_from_the_deep_link_picks_a_type_and_gets_the_agents_reply_in_the_chat()
    {
        var (agent, projectId, slug) = await Project();
        var billing = (await agent.Post($"/v1/projects/{projectId}/helpdesk/ticket-types", new { name = "Billing" })).GetProperty("id").GetGuid();
        await agent.Post($"/v1/projects/{projectId}/helpdesk/ticket-types", new { name = "Bug" });
        var bot = AddBot();

        var connected = await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/{Channel}", Token(bot), HttpStatusCode.OK);
        Assert.Equal(Channel, connected.GetProperty("channel").GetString());
        Assert.Equal(IdOf(bot).ToString(), connected.GetProperty("bot_id").GetString());
        Assert.Equal(UsernameOf(bot), connected.GetProperty("username").GetString());
        Assert.Equal(DeepLink(bot, slug), connected.GetProperty("deep_link").GetString());
        Assert.DoesNotContain(TokenOf(bot), connected.GetRawText());
        var channels = await agent.Get($"/v1/projects/{projectId}/channels");
        Assert.DoesNotContain(TokenOf(bot), channels.GetRawText());
        Assert.Equal([Channel], channels.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("channel").GetString()));
        AssertWebhookRegistered(bot);

        var customer = NewCustomer("Anna", "Petrova", "anna_p");
        await Post(bot, Start(customer, $"help_{slug}"));
        Assert.Contains("Describe your problem", (await SentTo(customer, 1))[0].Text);

        await Post(bot, Text(customer, "I was charged twice for order 1042"));
        var choose = await SentTo(customer, 2);
        Assert.Equal(["Billing", "Bug"], choose[1].Buttons.Select(b => b.Text));
        Assert.All(choose[1].Buttons, b => Assert.Equal("callback", b.Kind));
        var billingButton = choose[1].Buttons.Single(b => b.Text == "Billing").Data!;

        var callbackId = NewCallbackId();
        await Post(bot, Pressed(customer, bot, choose[1], billingButton, callbackId));
        Assert.Equal("Ticket #1 created. We will answer you here.", (await SentTo(customer, 3))[2].Text);
        Assert.Contains(callbackId, AnsweredCallbacks);

        var ticket = Assert.Single((await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets")).GetProperty("items").EnumerateArray());
        Assert.Equal(Channel, ticket.GetProperty("channel").GetString());
        Assert.Equal(billing, ticket.GetProperty("type_id").GetGuid());
        Assert.Equal("I was charged twice for order 1042", ticket.GetProperty("subject").GetString());
        Assert.Equal(IdOf(customer).ToString(), ticket.GetProperty("customer").GetProperty("external_id").GetString());
        Assert.Equal("Anna Petrova", ticket.GetProperty("customer").GetProperty("name").GetString());
        Assert.Equal("anna_p", ticket.GetProperty("customer").GetProperty("username").GetString());
        var ticketId = ticket.GetProperty("id").GetGuid();

        // The reply arrives exactly as typed, markup characters of either messenger included.
        const string typed = "Hi Anna! <b>Refund</b> & *fix* are on the way_ 100% < 200 > 50 **not bold** ++x++";
        var reply = await agent.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = typed });
        Assert.Equal("pending", reply.GetProperty("delivery").GetString());
        Assert.Equal(typed, (await SentTo(customer, 4))[3].Text);
        AssertSentAsTyped(customer, bot, typed);
        await Eventually(async () => Message(await agent.Get($"/v1/helpdesk/tickets/{ticketId}"), reply.GetProperty("id").GetGuid())
            .GetProperty("delivery").GetString() == "delivered");

        // The customer answers in the chat: it joins the ticket and wakes a waiting one.
        await agent.Patch($"/v1/helpdesk/tickets/{ticketId}", new { status = "waiting" });
        await Post(bot, Text(customer, "Thank you, got it"));
        await Eventually(async () => (await agent.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages").GetArrayLength() == 3);
        var details = await agent.Get($"/v1/helpdesk/tickets/{ticketId}");
        Assert.Equal("in_progress", details.GetProperty("status").GetString());
        Assert.Equal("Thank you, got it", details.GetProperty("messages")[2].GetProperty("text").GetString());
        Assert.Equal(4, SentTo(customer).Count);
    }

    [Fact]
    public async Task A_redelivered_update_has_no_second_effect_and_a_wrong_secret_touches_nothing()
    {
        var (agent, projectId, _) = await Project();
        var bot = await Connect(agent, projectId);
        var customer = NewCustomer();
        var update = Text(customer, "Where is my parcel?");

        using var wrong = await PostRaw(bot, update, "not-the-secret");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        using var missing = await PostRaw(bot, update, secret: null);
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        await Task.Delay(300);
        Assert.Equal(0, await agent.TicketCount(projectId));

        await Post(bot, update);
        await Post(bot, update);
        await Post(bot, update, silo: 1);
        await Eventually(async () => await agent.TicketCount(projectId) == 1);
        await Task.Delay(500);
        Assert.Equal(1, await agent.TicketCount(projectId));
        Assert.Single(SentTo(customer), m => m.Text.StartsWith("Ticket #1"));
    }

    [Fact]
    public async Task Rate_limits_are_waited_out_server_errors_retried_and_a_customer_who_blocked_the_bot_shows_as_unreachable()
    {
        var (agent, projectId, _) = await Project();
        var bot = await Connect(agent, projectId);
        var patient = NewCustomer("Ivan");
        var blocker = NewCustomer("Boris");
        var patientTicket = await OpenTicket(agent, projectId, bot, patient, "Slow shipping");
        var blockerTicket = await OpenTicket(agent, projectId, bot, blocker, "Wrong size");

        FailNextSends(patient, 1, HttpStatusCode.TooManyRequests);
        var reply = await agent.Post($"/v1/helpdesk/tickets/{patientTicket}/replies", new { text = "It left the warehouse today." });
        await WaitForSent(s => s.Any(m => m.To == IdOf(patient) && m.Text == "It left the warehouse today."));
        Assert.Equal([429, 200], SendAttempts(patient, "It left the warehouse today."));
        await Eventually(async () => Message(await agent.Get($"/v1/helpdesk/tickets/{patientTicket}"), reply.GetProperty("id").GetGuid())
            .GetProperty("delivery").GetString() == "delivered");

        Block(blocker);
        var refused = await agent.Post($"/v1/helpdesk/tickets/{blockerTicket}/replies", new { text = "Which size do you need?" });
        await Eventually(async () => Message(await agent.Get($"/v1/helpdesk/tickets/{blockerTicket}"), refused.GetProperty("id").GetGuid())
            .GetProperty("delivery").GetString() == "failed");
        var ticket = await agent.Get($"/v1/helpdesk/tickets/{blockerTicket}");
        Assert.Contains(BlockedSays.DeliveryError, Message(ticket, refused.GetProperty("id").GetGuid()).GetProperty("delivery_error").GetString());
        Assert.Contains(BlockedSays.UnreachableReason, ticket.GetProperty("customer").GetProperty("unreachable_reason").GetString());
        Assert.Single(SendAttempts(blocker, "Which size do you need?"));

        // A 5xx is retried until it goes through.
        FailNextSends(patient, 2, HttpStatusCode.InternalServerError);
        await agent.Post($"/v1/helpdesk/tickets/{patientTicket}/replies", new { text = "Tracking number: ZX-1" });
        await WaitForSent(s => s.Any(m => m.To == IdOf(patient) && m.Text == "Tracking number: ZX-1"));
        Assert.Equal([500, 500, 200], SendAttempts(patient, "Tracking number: ZX-1"));
    }

    [Fact]
    public async Task A_customer_who_leaves_the_bot_is_unreachable_at_once_and_reachable_again_after_coming_back()
    {
        var (agent, projectId, slug) = await Project();
        var bot = await Connect(agent, projectId);
        var customer = NewCustomer("Olga");
        var ticketId = await OpenTicket(agent, projectId, bot, customer, "Where is my parcel?");

        await Post(bot, LeavesBot(customer, bot));
        await Eventually(async () => UnreachableReason(await agent.Get($"/v1/helpdesk/tickets/{ticketId}")) is not null);
        Assert.Equal(LeftBotReason, UnreachableReason(await agent.Get($"/v1/helpdesk/tickets/{ticketId}")));
        var listed = (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets?customer_external_id={IdOf(customer)}")).GetProperty("items")[0];
        Assert.Equal(LeftBotReason, UnreachableReason(listed));

        await Post(bot, ComesBack(customer, bot, slug));
        await Eventually(async () => UnreachableReason(await agent.Get($"/v1/helpdesk/tickets/{ticketId}")) is null);
        var reply = await agent.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = "It is at the pick-up point." });
        await Eventually(async () => Message(await agent.Get($"/v1/helpdesk/tickets/{ticketId}"), reply.GetProperty("id").GetGuid())
            .GetProperty("delivery").GetString() == "delivered");
    }

    [Fact]
    public async Task After_the_ticket_is_closed_the_next_message_opens_a_new_one_and_commands_work()
    {
        var (agent, projectId, slug) = await Project();
        var bot = await Connect(agent, projectId);
        var customer = NewCustomer();

        await Post(bot, Start(customer, "help_someone-else"));
        Assert.Contains("not valid", (await SentTo(customer, 1))[0].Text);
        await Post(bot, Text(customer, "/status"));
        Assert.Contains("no open ticket", (await SentTo(customer, 2))[1].Text);
        // Typed by hand instead of through the link: the same command.
        await Post(bot, Text(customer, $"/start help_{slug}"));
        Assert.Contains("Describe your problem", (await SentTo(customer, 3))[2].Text);

        await Post(bot, Text(customer, "The app crashes"));
        Assert.Equal("Ticket #1 created. We will answer you here.", (await SentTo(customer, 4))[3].Text);
        var first = (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets")).GetProperty("items")[0].GetProperty("id").GetGuid();
        await Post(bot, Text(customer, "/status"));
        Assert.Equal("Ticket #1: new.", (await SentTo(customer, 5))[4].Text);

        await agent.Patch($"/v1/helpdesk/tickets/{first}", new { status = "closed" });
        await Post(bot, Text(customer, "Now the login fails too"));
        await Eventually(async () => await agent.TicketCount(projectId) == 2);
        var tickets = (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal("Now the login fails too", tickets[0].GetProperty("subject").GetString());
        Assert.Equal(Channel, tickets[0].GetProperty("channel").GetString());
        Assert.Equal(1, (await agent.Get($"/v1/helpdesk/tickets/{first}")).GetProperty("messages").GetArrayLength());
        await WaitForSent(s => s.Any(m => m.To == IdOf(customer) && m.Text.StartsWith("Ticket #2 created")));

        // /new starts another ticket even while one is open.
        await Post(bot, Text(customer, "/new"));
        await Post(bot, Text(customer, "And a third problem"));
        await Eventually(async () => await agent.TicketCount(projectId) == 3);
        await WaitForSent(s => s.Any(m => m.To == IdOf(customer) && m.Text.StartsWith("Describe your new problem")));
        await WaitForSent(s => s.Any(m => m.To == IdOf(customer) && m.Text.StartsWith("Ticket #3 created")));
        Assert.Equal(slug, (await agent.Get($"/v1/projects/{projectId}")).GetProperty("slug").GetString());
    }

    [Fact]
    public async Task Photos_and_documents_are_kept_as_attachments_and_edits_update_the_text()
    {
        var (agent, projectId, _) = await Project();
        var bot = await Connect(agent, projectId);
        var customer = NewCustomer();

        var photo = Photo(customer, "The screen looks like this");
        await Post(bot, photo.Update);
        await Eventually(async () => await agent.TicketCount(projectId) == 1);
        var ticketId = (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets")).GetProperty("items")[0].GetProperty("id").GetGuid();
        var first = (await agent.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages")[0];
        Assert.Equal("The screen looks like this", first.GetProperty("text").GetString());
        AssertShows(photo.Shows, Assert.Single(first.GetProperty("attachments").EnumerateArray()));

        var document = Document(customer);
        await Post(bot, document.Update);
        await Eventually(async () => (await agent.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages").GetArrayLength() == 2);
        AssertShows(document.Shows, (await agent.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages")[1].GetProperty("attachments")[0]);

        var typo = NextMessageId();
        await Post(bot, Text(customer, "Teh order is late", typo));
        await Post(bot, Edited(customer, typo, "The order is late"));
        await Eventually(async () => (await agent.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages").EnumerateArray()
            .Any(m => m.GetProperty("text").GetString() == "The order is late" && m.GetProperty("edited_at").ValueKind == JsonValueKind.String));
    }

    [Fact]
    public async Task Group_messages_other_updates_and_a_disconnected_bot_create_nothing()
    {
        var (agent, projectId, _) = await Project();
        var bot = await Connect(agent, projectId);
        var customer = NewCustomer();
        foreach (var update in UpdatesThatOpenNothing(customer)) await Post(bot, update);
        await Task.Delay(500);
        Assert.Equal(0, await agent.TicketCount(projectId));

        var secret = SecretOf(bot);
        await agent.Call(HttpMethod.Delete, $"/v1/projects/{projectId}/channels/{Channel}", null, HttpStatusCode.NoContent);
        AssertWebhookRemoved(bot);
        using var after = await PostRaw(bot, Text(customer, "anyone?"), secret);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        await agent.Call(HttpMethod.Delete, $"/v1/projects/{projectId}/channels/{Channel}", null, HttpStatusCode.NotFound);

        // Deleting a project disconnects its bot too.
        var (other, otherProject, _) = await Project();
        var otherBot = await Connect(other, otherProject);
        await other.Call(HttpMethod.Delete, $"/v1/projects/{otherProject}", null, HttpStatusCode.NoContent);
        AssertWebhookRemoved(otherBot);
    }

    [Fact]
    public async Task Connecting_checks_the_token_and_a_bot_serves_one_project()
    {
        var (agent, projectId, _) = await Project();
        var refused = await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/{Channel}", new Dictionary<string, string> { [TokenField] = UnknownToken },
            HttpStatusCode.BadRequest);
        Assert.Contains($"{Messenger} does not accept this", refused.GetProperty("errors").GetProperty(TokenField)[0].GetString());
        await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/{Channel}", new Dictionary<string, string> { [TokenField] = "garbage" },
            HttpStatusCode.BadRequest);

        var bot = await Connect(agent, projectId);
        var (other, otherProject, _) = await Project();
        await other.Call(HttpMethod.Put, $"/v1/projects/{otherProject}/channels/{Channel}", Token(bot), HttpStatusCode.Conflict);
        // Connecting it again to its own project just renews the webhook secret.
        var secret = SecretOf(bot);
        await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/{Channel}", Token(bot), HttpStatusCode.OK);
        Assert.NotEqual(secret, SecretOf(bot));
    }

    [Fact]
    public async Task Customers_writing_at_once_each_get_their_own_ticket_numbered_without_gaps()
    {
        var (agent, projectId, _) = await Project();
        var bot = await Connect(agent, projectId);
        var customers = Enumerable.Range(0, CustomersAtOnce).Select(i => NewCustomer($"Customer{i}")).ToList();

        await Task.WhenAll(customers.Select((c, i) => Post(bot, Text(c, $"Problem of customer {i}"), silo: i % 2)));
        await Eventually(async () => await agent.TicketCount(projectId) == CustomersAtOnce, seconds: 30);

        var tickets = (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets?limit=200")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(customers.Select(c => IdOf(c).ToString()).Order(), tickets.Select(t => t.GetProperty("customer").GetProperty("external_id").GetString()).Order());
        Assert.Equal(Enumerable.Range(1, CustomersAtOnce).Select(n => (long)n), tickets.Select(t => t.GetProperty("number").GetInt64()).Order());
        await WaitForSent(s => customers.All(c => s.Any(m => m.To == IdOf(c) && m.Text.StartsWith("Ticket #"))));
    }

    /// <summary>
    /// The webhook commits the updates of concurrent requests together and hands them to the
    /// chats afterwards: each chat still gets its updates applied in the order it sent them, while
    /// other chats post at the same time (on both silos).
    /// </summary>
    [Fact]
    public async Task Each_chats_updates_are_applied_in_the_order_it_sent_them_while_many_chats_post_at_once()
    {
        var (agent, projectId, _) = await Project();
        var bot = await Connect(agent, projectId);
        var customers = Enumerable.Range(0, 8).Select(i => NewCustomer($"Customer{i}")).ToList();
        const int PerChat = 10;

        // As a messenger does: a chat's next update once the previous one is acknowledged; the chats side by side.
        await Task.WhenAll(customers.Select(async (customer, c) =>
        {
            for (var n = 0; n < PerChat; n++) await Post(bot, Text(customer, $"Chat {c} message {n}"), silo: (c + n) % 2);
        }));

        await Eventually(async () => await agent.TicketCount(projectId) == customers.Count, seconds: 30);
        foreach (var (customer, c) in customers.Select((customer, c) => (customer, c)))
        {
            var ticketId = (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets?customer_external_id={IdOf(customer)}")).GetProperty("items")[0]
                .GetProperty("id").GetGuid();
            IReadOnlyList<string> texts = [];
            await Eventually(async () => (texts = CustomerTexts(await agent.Get($"/v1/helpdesk/tickets/{ticketId}"))).Count == PerChat, seconds: 30);
            Assert.Equal(Enumerable.Range(0, PerChat).Select(n => $"Chat {c} message {n}"), texts);
        }
    }

    /// <summary>Redeliveries racing each other (both silos, likely in one commit) still leave one update, applied once.</summary>
    [Fact]
    public async Task One_update_delivered_many_times_at_once_is_recorded_and_applied_once()
    {
        var (agent, projectId, _) = await Project();
        var bot = await Connect(agent, projectId);
        var customer = NewCustomer();
        var update = Text(customer, "Where is my parcel? Asked many times over");

        await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Post(bot, update, silo: i % 2)));

        await Eventually(async () => await agent.TicketCount(projectId) == 1);
        await WaitForSent(s => s.Any(m => m.To == IdOf(customer) && m.Text.StartsWith("Ticket #")));
        await Task.Delay(500);
        Assert.Equal(1, await agent.TicketCount(projectId));
        var ticketId = (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets")).GetProperty("items")[0].GetProperty("id").GetGuid();
        Assert.Equal(["Where is my parcel? Asked many times over"], CustomerTexts(await agent.Get($"/v1/helpdesk/tickets/{ticketId}")));
        Assert.Single(SentTo(customer), m => m.Text.StartsWith("Ticket #1"));
    }

    private static IReadOnlyList<string> CustomerTexts(JsonElement ticket) => ticket.GetProperty("messages").EnumerateArray()
        .Where(m => m.GetProperty("author").GetString() == "customer").Select(m => m.GetProperty("text").GetString()!).ToList();

    /// <summary>Callback ids the bot answered (the spinner on a pressed button stops).</summary>
    protected abstract IReadOnlyList<string> AnsweredCallbacks { get; }

    protected async Task<(ApiClient Agent, Guid ProjectId, string Slug)> Project()
    {
        var agent = await cluster.Api().LogInAs();
        var projectId = await agent.CreateProject();
        return (agent, projectId, await agent.ProjectSlug(projectId));
    }

    protected Dictionary<string, string> Token(TBot bot) => new() { [TokenField] = TokenOf(bot) };

    protected async Task<TBot> Connect(ApiClient agent, Guid projectId)
    {
        var bot = AddBot();
        await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/{Channel}", Token(bot), HttpStatusCode.OK);
        return bot;
    }

    /// <summary>A project without ticket types: the first message opens the ticket.</summary>
    protected async Task<Guid> OpenTicket(ApiClient agent, Guid projectId, TBot bot, TCustomer customer, string text)
    {
        var before = await agent.TicketCount(projectId);
        await Post(bot, Text(customer, text));
        await Eventually(async () => await agent.TicketCount(projectId) == before + 1);
        await WaitForSent(s => s.Any(m => m.To == IdOf(customer) && m.Text.StartsWith("Ticket #")));
        return (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets?customer_external_id={IdOf(customer)}")).GetProperty("items")[0]
            .GetProperty("id").GetGuid();
    }

    protected Task Post(TBot bot, string update, int silo = 0) => ChannelWebhook.Accepted(PostRaw(bot, update, SecretOf(bot), silo));

    protected IReadOnlyList<BotMessage> SentTo(TCustomer customer) => Sent().Where(m => m.To == IdOf(customer)).ToList();

    protected async Task<IReadOnlyList<BotMessage>> SentTo(TCustomer customer, int count) =>
        (await WaitForSent(s => s.Count(m => m.To == IdOf(customer)) >= count)).Where(m => m.To == IdOf(customer)).ToList();

    private static void AssertShows(IReadOnlyDictionary<string, string> expected, JsonElement attachment)
    {
        foreach (var (field, value) in expected) Assert.Equal(value, attachment.GetProperty(field).ToString());
    }
}
