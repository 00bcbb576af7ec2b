using System.Net;
using System.Text.Json;
using Zapnoty.Grains.Channels;
using Zapnoty.Grains.Tests.Infrastructure;
using static Zapnoty.Grains.Tests.Infrastructure.Poll;
using MaxUpdates = Zapnoty.Grains.Tests.Infrastructure.MaxUpdateBuilder;
using Updates = Zapnoty.Grains.Tests.Infrastructure.TelegramUpdateBuilder;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// Nothing a customer sends may block their chat (review finding 14): a long name, a long
/// description, an update the helpdesk refuses. Through the fake Telegram and Max servers.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class PoisonedChatTests(ClusterFixture cluster)
{
    private FakeTelegramServer Telegram => cluster.Telegram;

    [Fact]
    public async Task A_telegram_customer_with_a_129_character_name_opens_a_ticket_under_a_shortened_name_and_the_chat_goes_on()
    {
        var (agent, projectId) = await Project();
        var bot = await ConnectTelegram(agent, projectId);
        var customer = TelegramCustomer.New(new string('Ж', 63) + "😀", new string('b', 64), "long_name");

        await Post(bot, Updates.Text(customer, "My order never came"));
        await Eventually(async () => await agent.TicketCount(projectId) == 1);
        var ticket = (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets")).GetProperty("items")[0];
        var name = ticket.GetProperty("customer").GetProperty("name").GetString()!;
        Assert.Equal(100, name.Length);
        Assert.StartsWith(new string('Ж', 63) + "😀 bbb", name);
        Assert.EndsWith("b…", name);
        await Telegram.WaitForSent(s => s.Any(m => m.ChatId == customer.ChatId && m.Text.StartsWith("Ticket #1 created")));

        // Later updates of the chat are not held back: /new opens another ticket.
        await Post(bot, Updates.Text(customer, "/new"));
        await Post(bot, Updates.Text(customer, "And the refund too"));
        await Eventually(async () => await agent.TicketCount(projectId) == 2);
    }

    [Fact]
    public async Task A_nul_or_a_broken_surrogate_in_a_customers_message_or_name_is_cleaned_and_the_ticket_opens()
    {
        // PostgreSQL stores neither in jsonb: before, the inbox insert failed on every redelivery.
        var (agent, projectId) = await Project();
        var bot = await ConnectTelegram(agent, projectId);
        var customer = TelegramCustomer.New("Ann\0a", "Lee\ud800", "nul_name");

        await Post(bot, Updates.Text(customer, "My order\0 never came \udc00"));
        await Eventually(async () => await agent.TicketCount(projectId) == 1);
        var ticket = (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets")).GetProperty("items")[0];
        Assert.Equal("Anna Lee\ufffd", ticket.GetProperty("customer").GetProperty("name").GetString());
        var ticketId = ticket.GetProperty("id").GetGuid();
        var text = (await agent.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages")[0].GetProperty("text").GetString();
        Assert.Equal("My order never came \ufffd", text);
    }

    [Fact]
    public async Task A_max_customer_with_a_very_long_name_opens_a_ticket_under_a_shortened_name()
    {
        var (agent, projectId) = await Project();
        var bot = cluster.Max.AddBot();
        await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/max", new { access_token = bot.Token }, HttpStatusCode.OK);
        var customer = MaxCustomer.New(new string('Ф', 90), new string('Ы', 90));

        await ChannelWebhook.Accepted(ChannelWebhook.Max(cluster.Silos[0], bot, MaxUpdates.Text(customer, "Где мой заказ?"),
            Assert.Single(cluster.Max.SubscriptionsOf(bot)).Secret));
        await Eventually(async () => await agent.TicketCount(projectId) == 1);
        var name = (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets")).GetProperty("items")[0]
            .GetProperty("customer").GetProperty("name").GetString()!;
        Assert.Equal(new string('Ф', 90) + " " + new string('Ы', 8) + "…", name);
    }

    [Fact]
    public async Task A_description_stops_growing_at_the_message_limit_the_customer_is_told_and_the_ticket_opens()
    {
        var (agent, projectId) = await Project();
        await agent.Post($"/v1/projects/{projectId}/helpdesk/ticket-types", new { name = "Billing" });
        var bot = await ConnectTelegram(agent, projectId);
        var customer = TelegramCustomer.New();
        var first = new string('a', 4000);

        await Post(bot, Updates.Text(customer, first));
        var choose = (await SentTo(customer, 1))[0];
        await Post(bot, Updates.Text(customer, new string('b', 90)));   // 4,091 characters with the line break: still fits
        await SentTo(customer, 2);
        await Post(bot, Updates.Text(customer, new string('c', 10)));   // would make 4,102
        var full = (await SentTo(customer, 3))[2];
        Assert.Contains("4096 characters", full.Text);
        Assert.Equal(["Billing"], full.Buttons.Select(b => b.Text));

        await Post(bot, Updates.Callback(customer, choose.Buttons[0].CallbackData!, choose.MessageId, bot: bot));
        await Eventually(async () => await agent.TicketCount(projectId) == 1);
        var ticketId = (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets")).GetProperty("items")[0].GetProperty("id").GetGuid();
        var text = (await agent.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages")[0].GetProperty("text").GetString();
        Assert.Equal(first + "\n" + new string('b', 90), text);

        // The chat goes on: the next words join the ticket.
        await Post(bot, Updates.Text(customer, "Any news?"));
        await Eventually(async () => (await agent.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages").GetArrayLength() == 2);
    }

    [Fact]
    public async Task A_message_the_helpdesk_refuses_is_answered_once_and_claimed_and_later_updates_go_on()
    {
        var (agent, projectId) = await Project();
        var bot = await ConnectTelegram(agent, projectId);
        var customer = TelegramCustomer.New();
        await Post(bot, Updates.Text(customer, "The app crashes"));
        await Eventually(async () => await agent.TicketCount(projectId) == 1);
        var ticketId = (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets")).GetProperty("items")[0].GetProperty("id").GetGuid();
        await SentTo(customer, 1);
        await TicketPagingTests.AddCustomerMessagesToday(cluster, projectId, ticketId, 999);   // with the first one: the day's cap

        await Post(bot, Updates.Text(customer, "One more thing"));
        var told = (await SentTo(customer, 2))[1];
        Assert.Contains("further ones are not kept until tomorrow", told.Text);
        await Post(bot, Updates.Text(customer, "And another"));
        await Post(bot, Updates.Text(customer, "/status"));
        var status = (await SentTo(customer, 3))[2];
        Assert.Equal("Ticket #1: new.", status.Text);   // told once; the refused updates did not hold the chat up
        var latest = (await agent.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages").EnumerateArray().Last();
        Assert.DoesNotContain("One more thing", latest.GetProperty("text").GetString());

        await Post(bot, Updates.Text(customer, "/new"));
        await Post(bot, Updates.Text(customer, "A different problem"));
        await Eventually(async () => await agent.TicketCount(projectId) == 2);
    }

    [Fact]
    public async Task An_update_that_keeps_failing_for_over_a_day_is_dropped_and_the_chats_later_updates_go_on()
    {
        var (agent, projectId) = await Project();
        var bot = await ConnectTelegram(agent, projectId);
        var customer = TelegramCustomer.New();
        // Waiting since the day before yesterday, and failing on every attempt with a fault (no
        // sender to open a ticket for), not with a refusal the helpdesk could answer.
        var poison = new IncomingUpdate($"poison-{Guid.NewGuid():N}", IncomingKind.Message, customer.ChatId.ToString(), null!, "Hello", [], "1",
            null, null, DateTimeOffset.UtcNow.AddDays(-2));
        await using (var command = cluster.Database.CreateCommand("""
            INSERT INTO channel_updates (bot_id, update_key, chat_id, payload, received_at)
            SELECT id, $2, $3, $4::jsonb, $5 FROM bots WHERE channel = 'telegram' AND external_id = $1 AND disconnected_at IS NULL
            """))
        {
            command.Parameters.Add(new() { Value = bot.Id.ToString() });
            command.Parameters.Add(new() { Value = poison.Key });
            command.Parameters.Add(new() { Value = poison.ChatId });
            command.Parameters.Add(new() { Value = JsonSerializer.Serialize(poison, WireJson.Options) });
            command.Parameters.Add(new() { Value = poison.At });
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        await Post(bot, Updates.Text(customer, "My order never came"));
        await Eventually(async () => await agent.TicketCount(projectId) == 1);
        var ticket = (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets")).GetProperty("items")[0];
        Assert.Equal("My order never came", ticket.GetProperty("subject").GetString());
    }

    private async Task<(ApiClient Agent, Guid ProjectId)> Project()
    {
        var agent = await cluster.Api().LogInAs();
        return (agent, await agent.CreateProject());
    }

    private async Task<FakeBot> ConnectTelegram(ApiClient agent, Guid projectId)
    {
        var bot = Telegram.AddBot();
        await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/telegram", new { bot_token = bot.Token }, HttpStatusCode.OK);
        return bot;
    }

    private Task Post(FakeBot bot, string update) =>
        ChannelWebhook.Accepted(ChannelWebhook.Telegram(cluster.Silos[0], bot, update, Telegram.WebhookOf(bot)!.SecretToken));

    private async Task<IReadOnlyList<SentTelegramMessage>> SentTo(TelegramCustomer customer, int count) =>
        (await Telegram.WaitForSent(s => s.Count(m => m.ChatId == customer.ChatId) >= count)).Where(m => m.ChatId == customer.ChatId).ToList();
}
