using System.Net;
using Zapnoty.Grains.Tests.Infrastructure;
using static Zapnoty.Grains.Tests.Infrastructure.Poll;
using static Zapnoty.Grains.Tests.Infrastructure.TicketJson;
using Updates = Zapnoty.Grains.Tests.Infrastructure.TelegramUpdateBuilder;

namespace Zapnoty.Grains.Tests;

/// <summary>Finding 20: replies go out only through a bot still connected to the ticket's project.</summary>
[Collection(ClusterCollection.Name)]
public sealed class DisconnectedBotSendingTests(ClusterFixture cluster)
{
    private FakeTelegramServer Telegram => cluster.Telegram;

    [Fact]
    public async Task A_reply_to_a_chat_whose_bot_was_disconnected_fails_with_the_reason_and_is_not_sent()
    {
        var agent = await cluster.Api().LogInAs();
        var projectId = await agent.CreateProject();
        var bot = await Connect(agent, projectId);
        var customer = TelegramCustomer.New("Vera");
        var ticketId = await OpenTicket(agent, projectId, bot, customer);

        await agent.Call(HttpMethod.Delete, $"/v1/projects/{projectId}/channels/telegram", null, HttpStatusCode.NoContent);
        var reply = await agent.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = "Are you still there?" });

        var failed = await Failed(agent, ticketId, reply.GetProperty("id").GetGuid());
        Assert.Contains("no longer connected", failed);
        Assert.Contains($"@{bot.Username}", failed);
        Assert.DoesNotContain(Telegram.CallsTo("sendMessage"), c => c.Text == "Are you still there?");
    }

    [Fact]
    public async Task After_a_bot_moves_to_another_project_the_old_projects_agents_cannot_write_through_it()
    {
        var agent = await cluster.Api().LogInAs();
        var oldProject = await agent.CreateProject();
        var bot = await Connect(agent, oldProject);
        var customer = TelegramCustomer.New("Pavel");
        var ticketId = await OpenTicket(agent, oldProject, bot, customer);

        await agent.Call(HttpMethod.Delete, $"/v1/projects/{oldProject}/channels/telegram", null, HttpStatusCode.NoContent);
        var newOwner = await cluster.Api().LogInAs();
        var newProject = await newOwner.CreateProject();
        await newOwner.Call(HttpMethod.Put, $"/v1/projects/{newProject}/channels/telegram", new { bot_token = bot.Token }, HttpStatusCode.OK);

        var reply = await agent.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = "Message from the old project" });
        Assert.Contains("no longer connected", await Failed(agent, ticketId, reply.GetProperty("id").GetGuid()));
        Assert.DoesNotContain(Telegram.CallsTo("sendMessage"), c => c.Text == "Message from the old project");
    }

    private async Task<string> Failed(ApiClient agent, Guid ticketId, Guid messageId)
    {
        await Eventually(async () => Message(await agent.Get($"/v1/helpdesk/tickets/{ticketId}"), messageId).GetProperty("delivery").GetString() == "failed");
        return Message(await agent.Get($"/v1/helpdesk/tickets/{ticketId}"), messageId).GetProperty("delivery_error").GetString()!;
    }

    private async Task<FakeBot> Connect(ApiClient agent, Guid projectId)
    {
        var bot = Telegram.AddBot();
        await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/telegram", new { bot_token = bot.Token }, HttpStatusCode.OK);
        return bot;
    }

    private async Task<Guid> OpenTicket(ApiClient agent, Guid projectId, FakeBot bot, TelegramCustomer customer)
    {
        await ChannelWebhook.Accepted(ChannelWebhook.Telegram(cluster.Silos[0], bot, Updates.Text(customer, "Where is my refund?"), Telegram.WebhookOf(bot)!.SecretToken));
        await Eventually(async () => await agent.TicketCount(projectId) == 1);
        await Telegram.WaitForSent(s => s.Any(m => m.ChatId == customer.ChatId && m.Text.StartsWith("Ticket #")));
        return (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets")).GetProperty("items")[0].GetProperty("id").GetGuid();
    }
}
