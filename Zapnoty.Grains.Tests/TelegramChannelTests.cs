using System.Net;
using System.Text.Json;
using Zapnoty.Grains.Tests.Infrastructure;
using static Zapnoty.Grains.Tests.Infrastructure.Poll;
using static Zapnoty.Grains.Tests.Infrastructure.TicketJson;
using Updates = Zapnoty.Grains.Tests.Infrastructure.TelegramUpdateBuilder;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// Customers on Telegram: the real Telegram.Bot client talks to a fake Bot API on loopback,
/// and updates are posted to our real webhook route, as Telegram would.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class TelegramChannelTests(ClusterFixture cluster)
{
    private FakeTelegramServer Telegram => cluster.Telegram;

    [Fact]
    public async Task A_customer_opens_a_ticket_from_the_deep_link_picks_a_type_and_gets_the_agents_reply_in_the_chat()
    {
        var (agent, projectId, slug) = await Project();
        var billing = (await agent.Post($"/v1/projects/{projectId}/helpdesk/ticket-types", new { name = "Billing" })).GetProperty("id").GetGuid();
        await agent.Post($"/v1/projects/{projectId}/helpdesk/ticket-types", new { name = "Bug" });
        var bot = Telegram.AddBot();

        var connected = await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/telegram", new { bot_token = bot.Token }, HttpStatusCode.OK);
        Assert.Equal(bot.Id.ToString(), connected.GetProperty("bot_id").GetString());
        Assert.Equal(bot.Username, connected.GetProperty("username").GetString());
        Assert.Equal($"https://t.me/{bot.Username}?start=help_{slug}", connected.GetProperty("deep_link").GetString());
        Assert.DoesNotContain(bot.Token, connected.GetRawText());
        Assert.DoesNotContain(bot.Token, (await agent.Get($"/v1/projects/{projectId}/channels")).GetRawText());
        var webhook = Telegram.WebhookOf(bot)!;
        Assert.Equal($"https://helpdesk.example.com/v1/channels/telegram/{bot.Id}/webhook", webhook.Url);
        Assert.Equal(["message", "edited_message", "callback_query", "my_chat_member"], webhook.AllowedUpdates!);
        Assert.Matches("^[A-Za-z0-9_-]{1,256}$", webhook.SecretToken!);

        var customer = TelegramCustomer.New("Anna", "Petrova", "anna_p");
        await Post(bot, Updates.Start(customer, $"help_{slug}"));
        var greeting = (await Telegram.WaitForSent(s => s.Any(m => m.ChatId == customer.ChatId))).Single(m => m.ChatId == customer.ChatId);
        Assert.Contains("Describe your problem", greeting.Text);

        await Post(bot, Updates.Text(customer, "I was charged twice for order 1042"));
        var choose = await SentTo(customer, 2);
        Assert.Equal(["Billing", "Bug"], choose[1].Buttons.Select(b => b.Text));
        var billingButton = choose[1].Buttons.Single(b => b.Text == "Billing").CallbackData!;

        var callbackId = Updates.NewCallbackId();
        await Post(bot, Updates.Callback(customer, billingButton, choose[1].MessageId, callbackId, bot: bot));
        var confirmed = await SentTo(customer, 3);
        Assert.Equal("Ticket #1 created. We will answer you here.", confirmed[2].Text);
        Assert.Contains(callbackId, Telegram.AnsweredCallbacks);

        var ticket = Assert.Single((await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets")).GetProperty("items").EnumerateArray());
        Assert.Equal("telegram", ticket.GetProperty("channel").GetString());
        Assert.Equal(billing, ticket.GetProperty("type_id").GetGuid());
        Assert.Equal("I was charged twice for order 1042", ticket.GetProperty("subject").GetString());
        Assert.Equal(customer.Id.ToString(), ticket.GetProperty("customer").GetProperty("external_id").GetString());
        Assert.Equal("Anna Petrova", ticket.GetProperty("customer").GetProperty("name").GetString());
        Assert.Equal("anna_p", ticket.GetProperty("customer").GetProperty("username").GetString());
        var ticketId = ticket.GetProperty("id").GetGuid();

        // The reply arrives exactly as typed, markup characters included.
        const string typed = "Hi Anna! <b>Refund</b> & *fix* are on the way_ 100% < 200 > 50";
        var reply = await agent.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = typed });
        Assert.Equal("pending", reply.GetProperty("delivery").GetString());
        var sent = (await SentTo(customer, 4))[3];
        Assert.Equal(typed, sent.Text);
        Assert.False(sent.Call.Has("parse_mode"));
        await Eventually(async () => Message(await agent.Get($"/v1/helpdesk/tickets/{ticketId}"), reply.GetProperty("id").GetGuid())
            .GetProperty("delivery").GetString() == "delivered");

        // The customer answers in the chat: it joins the ticket and wakes a waiting one.
        await agent.Patch($"/v1/helpdesk/tickets/{ticketId}", new { status = "waiting" });
        await Post(bot, Updates.Text(customer, "Thank you, got it"));
        await Eventually(async () => (await agent.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages").GetArrayLength() == 3);
        var details = await agent.Get($"/v1/helpdesk/tickets/{ticketId}");
        Assert.Equal("in_progress", details.GetProperty("status").GetString());
        Assert.Equal("Thank you, got it", details.GetProperty("messages")[2].GetProperty("text").GetString());
        Assert.Equal(4, Telegram.Sent(customer.ChatId).Count);
    }

    [Fact]
    public async Task A_redelivered_update_has_no_second_effect_and_a_wrong_secret_touches_nothing()
    {
        var (agent, projectId, _) = await Project();
        var bot = await Connect(agent, projectId);
        var customer = TelegramCustomer.New();
        var update = Updates.Text(customer, "Where is my parcel?");

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
        Assert.Single(Telegram.Sent(customer.ChatId), m => m.Text.StartsWith("Ticket #1"));
    }

    [Fact]
    public async Task Rate_limits_are_waited_out_and_a_customer_who_blocked_the_bot_shows_as_unreachable()
    {
        var (agent, projectId, _) = await Project();
        var bot = await Connect(agent, projectId);
        var patient = TelegramCustomer.New("Ivan");
        var blocker = TelegramCustomer.New("Boris");
        var patientTicket = await OpenTicket(agent, projectId, bot, patient, "Slow shipping");
        var blockerTicket = await OpenTicket(agent, projectId, bot, blocker, "Wrong size");

        Telegram.FailNext(patient.ChatId, 1, TelegramFailure.TooManyRequests(retryAfter: 1));
        var reply = await agent.Post($"/v1/helpdesk/tickets/{patientTicket}/replies", new { text = "It left the warehouse today." });
        var delivered = await Telegram.WaitForSent(s => s.Any(m => m.ChatId == patient.ChatId && m.Text == "It left the warehouse today."));
        var attempts = Telegram.CallsTo("sendMessage").Where(c => c.ChatId == patient.ChatId && c.Text == "It left the warehouse today.").ToList();
        Assert.Equal([429, 200], attempts.Select(a => a.AnsweredWith));
        await Eventually(async () => Message(await agent.Get($"/v1/helpdesk/tickets/{patientTicket}"), reply.GetProperty("id").GetGuid())
            .GetProperty("delivery").GetString() == "delivered");

        Telegram.Block(blocker.ChatId);
        var refused = await agent.Post($"/v1/helpdesk/tickets/{blockerTicket}/replies", new { text = "Which size do you need?" });
        await Eventually(async () => Message(await agent.Get($"/v1/helpdesk/tickets/{blockerTicket}"), refused.GetProperty("id").GetGuid())
            .GetProperty("delivery").GetString() == "failed");
        var ticket = await agent.Get($"/v1/helpdesk/tickets/{blockerTicket}");
        Assert.Contains("blocked by the user", Message(ticket, refused.GetProperty("id").GetGuid()).GetProperty("delivery_error").GetString());
        Assert.Contains("blocked by the user", ticket.GetProperty("customer").GetProperty("unreachable_reason").GetString());
        Assert.Single(Telegram.CallsTo("sendMessage"), c => c.ChatId == blocker.ChatId && c.Text == "Which size do you need?");

        // A 5xx is retried until it goes through.
        Telegram.FailNext(patient.ChatId, 2, TelegramFailure.InternalServerError());
        await agent.Post($"/v1/helpdesk/tickets/{patientTicket}/replies", new { text = "Tracking number: ZX-1" });
        await Telegram.WaitForSent(s => s.Any(m => m.ChatId == patient.ChatId && m.Text == "Tracking number: ZX-1"));
    }

    [Fact]
    public async Task A_customer_who_blocks_the_bot_is_unreachable_at_once_and_reachable_again_after_unblocking()
    {
        var (agent, projectId, _) = await Project();
        var bot = await Connect(agent, projectId);
        var customer = TelegramCustomer.New("Olga");
        var ticketId = await OpenTicket(agent, projectId, bot, customer, "Where is my parcel?");

        await Post(bot, Updates.MyChatMember(customer, "kicked", bot));
        await Eventually(async () => UnreachableReason(await agent.Get($"/v1/helpdesk/tickets/{ticketId}")) is not null);
        Assert.Equal("The customer blocked the bot in Telegram.", UnreachableReason(await agent.Get($"/v1/helpdesk/tickets/{ticketId}")));
        var listed = (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets?customer_external_id={customer.Id}")).GetProperty("items")[0];
        Assert.Equal("The customer blocked the bot in Telegram.", UnreachableReason(listed));

        await Post(bot, Updates.MyChatMember(customer, "member", bot));
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
        var customer = TelegramCustomer.New();

        await Post(bot, Updates.Start(customer, "help_someone-else"));
        Assert.Contains("not valid", (await SentTo(customer, 1))[0].Text);
        await Post(bot, Updates.Text(customer, "/status"));
        Assert.Contains("no open ticket", (await SentTo(customer, 2))[1].Text);

        var first = await OpenTicket(agent, projectId, bot, customer, "The app crashes");
        await Post(bot, Updates.Text(customer, "/status"));
        Assert.Equal("Ticket #1: new.", (await SentTo(customer, 4))[3].Text);

        await agent.Patch($"/v1/helpdesk/tickets/{first}", new { status = "closed" });
        await Post(bot, Updates.Text(customer, "Now the login fails too"));
        await Eventually(async () => await agent.TicketCount(projectId) == 2);
        var tickets = (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal("Now the login fails too", tickets[0].GetProperty("subject").GetString());
        Assert.Equal(1, (await agent.Get($"/v1/helpdesk/tickets/{first}")).GetProperty("messages").GetArrayLength());

        // /new starts another ticket even while one is open.
        await Post(bot, Updates.Text(customer, "/new"));
        await Post(bot, Updates.Text(customer, "And a third problem"));
        await Eventually(async () => await agent.TicketCount(projectId) == 3);
        await Telegram.WaitForSent(s => s.Any(m => m.ChatId == customer.ChatId && m.Text.StartsWith("Describe your new problem")));
        await Telegram.WaitForSent(s => s.Any(m => m.ChatId == customer.ChatId && m.Text.StartsWith("Ticket #3 created")));
        Assert.Equal(slug, (await agent.Get($"/v1/projects/{projectId}")).GetProperty("slug").GetString());
    }

    [Fact]
    public async Task Photos_and_documents_are_kept_as_attachments_and_edits_update_the_text()
    {
        var (agent, projectId, _) = await Project();
        var bot = await Connect(agent, projectId);
        var customer = TelegramCustomer.New();

        await Post(bot, Updates.Photo(customer, caption: "The screen looks like this", fileId: "photo-file-1"));
        await Eventually(async () => await agent.TicketCount(projectId) == 1);
        var ticketId = (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets")).GetProperty("items")[0].GetProperty("id").GetGuid();
        var first = (await agent.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages")[0];
        Assert.Equal("The screen looks like this", first.GetProperty("text").GetString());
        var photo = Assert.Single(first.GetProperty("attachments").EnumerateArray());
        Assert.Equal("photo", photo.GetProperty("kind").GetString());
        Assert.Equal("photo-file-1", photo.GetProperty("file_id").GetString());

        var messageId = Updates.NextMessageId();
        await Post(bot, Updates.Document(customer, "receipt.pdf", "application/pdf", messageId: messageId));
        await Post(bot, Updates.Text(customer, "Typo here", messageId: Updates.NextMessageId()));
        await Eventually(async () => (await agent.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages").GetArrayLength() == 3);
        var document = (await agent.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages")[1].GetProperty("attachments")[0];
        Assert.Equal(("document", "receipt.pdf", "application/pdf"),
            (document.GetProperty("kind").GetString(), document.GetProperty("file_name").GetString(), document.GetProperty("mime_type").GetString()));

        var typoId = Updates.NextMessageId();
        await Post(bot, Updates.Text(customer, "Teh order is late", messageId: typoId));
        await Post(bot, Updates.EditedText(customer, typoId, "The order is late"));
        await Eventually(async () => (await agent.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages").EnumerateArray()
            .Any(m => m.GetProperty("text").GetString() == "The order is late" && m.GetProperty("edited_at").ValueKind == JsonValueKind.String));
    }

    [Fact]
    public async Task Group_messages_channel_posts_and_a_disconnected_bot_create_nothing()
    {
        var (agent, projectId, _) = await Project();
        var bot = await Connect(agent, projectId);
        var customer = TelegramCustomer.New();
        await Post(bot, Updates.GroupText(customer, -100123456, "hello group"));
        await Post(bot, Updates.ChannelPost(-100654321, "channel news"));
        await Task.Delay(500);
        Assert.Equal(0, await agent.TicketCount(projectId));

        var secret = Telegram.WebhookOf(bot)!.SecretToken!;
        await agent.Call(HttpMethod.Delete, $"/v1/projects/{projectId}/channels/telegram", null, HttpStatusCode.NoContent);
        Assert.Null(Telegram.WebhookOf(bot));
        using var after = await PostRaw(bot, Updates.Text(customer, "anyone?"), secret);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);

        // Deleting a project disconnects its bot too.
        var (other, otherProject, _) = await Project();
        var otherBot = await Connect(other, otherProject);
        await other.Call(HttpMethod.Delete, $"/v1/projects/{otherProject}", null, HttpStatusCode.NoContent);
        Assert.Null(Telegram.WebhookOf(otherBot));
    }

    [Fact]
    public async Task Connecting_checks_the_token_and_a_bot_serves_one_project()
    {
        var (agent, projectId, _) = await Project();
        var refused = await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/telegram", new { bot_token = "123456:not-a-token-telegram-knows" },
            HttpStatusCode.BadRequest);
        Assert.True(refused.GetProperty("errors").TryGetProperty("bot_token", out _));
        await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/telegram", new { bot_token = "garbage" }, HttpStatusCode.BadRequest);

        var bot = await Connect(agent, projectId);
        var (other, otherProject, _) = await Project();
        await other.Call(HttpMethod.Put, $"/v1/projects/{otherProject}/channels/telegram", new { bot_token = bot.Token }, HttpStatusCode.Conflict);
        // Connecting it again to its own project just renews the webhook secret.
        await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/telegram", new { bot_token = bot.Token }, HttpStatusCode.OK);
    }

    [Fact]
    public async Task Fifty_customers_writing_at_once_each_get_their_own_ticket()
    {
        var (agent, projectId, _) = await Project();
        var bot = await Connect(agent, projectId);
        var customers = Enumerable.Range(0, 50).Select(i => TelegramCustomer.New($"Customer{i}")).ToList();

        await Task.WhenAll(customers.Select((c, i) => Post(bot, Updates.Text(c, $"Problem of customer {i}"), silo: i % 2)));
        await Eventually(async () => await agent.TicketCount(projectId) == 50, seconds: 30);

        var tickets = (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets?limit=200")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(customers.Select(c => c.Id.ToString()).Order(), tickets.Select(t => t.GetProperty("customer").GetProperty("external_id").GetString()).Order());
        Assert.Equal(Enumerable.Range(1, 50).Select(n => (long)n), tickets.Select(t => t.GetProperty("number").GetInt64()).Order());
        await Telegram.WaitForSent(s => customers.All(c => s.Any(m => m.ChatId == c.ChatId && m.Text.StartsWith("Ticket #"))));
    }

    [Fact]
    public async Task A_message_a_crashed_silo_left_in_flight_is_failed_not_sent_again()
    {
        var (agent, projectId, _) = await Project();
        var bot = await Connect(agent, projectId);
        var customer = TelegramCustomer.New();
        var ticketId = await OpenTicket(agent, projectId, bot, customer, "Hello");

        // A silo took the message for sending and died before it knew the outcome.
        await using (var command = cluster.Database.CreateCommand("""
            INSERT INTO channel_outbox (bot_id, chat_id, text, status, attempts, next_attempt_at, created_at)
            SELECT id, $2, 'Sent just before the crash', 'sending', 1, now() - interval '1 minute', now() - interval '1 minute'
              FROM bots WHERE external_id = $1 AND disconnected_at IS NULL
            RETURNING id
            """))
        {
            command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = bot.Id.ToString() });
            command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = customer.ChatId.ToString() });
            Assert.NotNull(await command.ExecuteScalarAsync());
        }

        await Eventually(async () =>
        {
            await using var status = cluster.Database.CreateCommand("SELECT status, last_error FROM channel_outbox WHERE text = 'Sent just before the crash' AND chat_id = $1");
            status.Parameters.Add(new Npgsql.NpgsqlParameter { Value = customer.ChatId.ToString() });
            await using var reader = await status.ExecuteReaderAsync();
            return await reader.ReadAsync() && reader.GetString(0) == "failed" && reader.GetString(1).Contains("may or may not have arrived");
        });
        // The chat moves on: the next reply goes out.
        await agent.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = "After the crash" });
        await Telegram.WaitForSent(m => m.Any(x => x.ChatId == customer.ChatId && x.Text == "After the crash"));
        Assert.DoesNotContain(Telegram.CallsTo("sendMessage"), c => c.Text == "Sent just before the crash");
    }

    private async Task<(ApiClient Agent, Guid ProjectId, string Slug)> Project()
    {
        var agent = await cluster.Api().LogInAs();
        var projectId = await agent.CreateProject();
        return (agent, projectId, await agent.ProjectSlug(projectId));
    }

    private async Task<FakeBot> Connect(ApiClient agent, Guid projectId)
    {
        var bot = Telegram.AddBot();
        await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/telegram", new { bot_token = bot.Token }, HttpStatusCode.OK);
        return bot;
    }

    /// <summary>A project without ticket types: the first message opens the ticket.</summary>
    private async Task<Guid> OpenTicket(ApiClient agent, Guid projectId, FakeBot bot, TelegramCustomer customer, string text)
    {
        var before = await agent.TicketCount(projectId);
        await Post(bot, Updates.Text(customer, text));
        await Eventually(async () => await agent.TicketCount(projectId) == before + 1);
        await Telegram.WaitForSent(s => s.Any(m => m.ChatId == customer.ChatId && m.Text.StartsWith("Ticket #")));
        return (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets?customer_external_id={customer.Id}")).GetProperty("items")[0]
            .GetProperty("id").GetGuid();
    }

    private Task Post(FakeBot bot, string update, int silo = 0) =>
        ChannelWebhook.Accepted(PostRaw(bot, update, Telegram.WebhookOf(bot)!.SecretToken, silo));

    private Task<HttpResponseMessage> PostRaw(FakeBot bot, string update, string? secret, int silo = 0) =>
        ChannelWebhook.Telegram(cluster.Silos[silo], bot, update, secret);

    private async Task<IReadOnlyList<SentTelegramMessage>> SentTo(TelegramCustomer customer, int count) =>
        (await Telegram.WaitForSent(s => s.Count(m => m.ChatId == customer.ChatId) >= count)).Where(m => m.ChatId == customer.ChatId).ToList();
}
