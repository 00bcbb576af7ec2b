using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.TestingHost;
using Zapnoty.Grains.Channels;
using Zapnoty.Grains.Channels.Telegram;
using Zapnoty.Grains.Conversations;
using Zapnoty.Grains.Tests.Infrastructure;
using Zapnoty.Grains.Tickets;
using static Zapnoty.Grains.Tests.Infrastructure.Poll;
using Updates = Zapnoty.Grains.Tests.Infrastructure.TelegramUpdateBuilder;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// A chat's messages that waited together in the inbox go to its open ticket in one transaction
/// (<see cref="ConversationGrain"/>), and a run that fails part way is applied one by one, each
/// update once, in the chat's order.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ChatRunTests(ClusterFixture cluster)
{
    [Fact]
    public async Task Messages_that_waited_together_reach_the_open_ticket_in_one_transaction_in_the_order_they_were_sent()
    {
        var (agent, bot, view, customer, ticketId) = await ChatWithOpenTicket();
        var texts = Enumerable.Range(1, 5).Select(i => $"Line {i} of what happened").ToList();

        await Waits(view, customer, texts);
        await Nudge(bot, customer);

        var messages = await Eventually(agent, ticketId, count: 6);
        Assert.Equal(["It does not start", .. texts], messages.Select(m => m.Text));
        // One transaction: one moment for the whole run.
        Assert.Single(messages.Skip(1).Select(m => m.CreatedAt).Distinct());
        Assert.Equal(0, await Waiting(view.Id));
    }

    [Fact]
    public async Task A_run_of_messages_that_fails_part_way_applies_each_of_its_updates_once_in_order()
    {
        var (agent, bot, view, customer, ticketId) = await ChatWithOpenTicket();
        var failing = $"This one breaks the run {Guid.NewGuid():N}";
        List<string> texts = ["First line", "Second line", failing, "Fourth line", "Fifth line"];
        var fault = $"fault_{Guid.NewGuid():N}";
        // The database refuses the third message once (a sequence counts tries: it survives the rollback), as
        // a failure in the middle of the run's transaction would.
        await Execute($"""
            CREATE SEQUENCE {fault};
            CREATE FUNCTION {fault}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF nextval('{fault}') = 1 THEN RAISE EXCEPTION 'injected failure'; END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER {fault} BEFORE INSERT ON ticket_messages FOR EACH ROW WHEN (NEW.text = '{failing}') EXECUTE FUNCTION {fault}();
            """);
        try
        {
            await Waits(view, customer, texts);
            await Nudge(bot, customer);

            var messages = await Eventually(agent, ticketId, count: 6);
            Assert.Equal(["It does not start", .. texts], messages.Select(m => m.Text));
            Assert.Equal(0, await Waiting(view.Id));
            // Tried in the run (refused), then once more on its own.
            await using var tries = cluster.Database.CreateCommand($"SELECT last_value FROM {fault}");
            Assert.Equal(2L, (long)(await tries.ExecuteScalarAsync())!);
        }
        finally
        {
            await Execute($"DROP TRIGGER {fault} ON ticket_messages; DROP FUNCTION {fault}(); DROP SEQUENCE {fault};");
        }
    }

    /// <summary>The updates as the intake commits them, without the hand-off: they wait together until the chat is nudged.</summary>
    private async Task Waits(BotView view, TelegramCustomer customer, IReadOnlyList<string> texts)
    {
        var inbox = ((InProcessSiloHandle)cluster.Cluster.Silos[0]).SiloHost.Services.GetRequiredService<ChannelInbox>();
        var now = DateTimeOffset.UtcNow;
        var arriving = texts.Select((text, i) =>
            new ArrivingUpdate(view, TelegramUpdates.Parse(Updates.Text(customer, text), now.AddMilliseconds(i))!, now.AddMilliseconds(i))).ToList();
        Assert.All(await inbox.Record(arriving, CancellationToken.None), Assert.True);
    }

    private Task Nudge(FakeBot bot, TelegramCustomer customer) =>
        cluster.Grains.GetGrain<IConversationGrain>(ConversationKeys.Of(Channel.Telegram, bot.Id.ToString(), customer.ChatId.ToString())).Process();

    private async Task<(ApiClient Agent, FakeBot Bot, BotView View, TelegramCustomer Customer, Guid TicketId)> ChatWithOpenTicket()
    {
        var agent = await cluster.Api().LogInAs();
        var projectId = await agent.CreateProject();
        var bot = cluster.Telegram.AddBot();
        await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/telegram", new Dictionary<string, string> { ["bot_token"] = bot.Token },
            HttpStatusCode.OK);
        var view = (await cluster.Grains.GetGrain<IBotGrain>(BotKeys.Of(Channel.Telegram, bot.Id.ToString())).Live())!;
        var customer = TelegramCustomer.New();
        await ChannelWebhook.Accepted(ChannelWebhook.Telegram(cluster.Silos[0], bot, Updates.Text(customer, "It does not start"),
            cluster.Telegram.WebhookOf(bot)!.SecretToken));
        await Poll.Eventually(async () => await agent.TicketCount(projectId) == 1);
        var ticketId = (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets")).GetProperty("items")[0].GetProperty("id").GetGuid();
        return (agent, bot, view, customer, ticketId);
    }

    /// <summary>The ticket's messages once it has <paramref name="count"/> of them.</summary>
    private static async Task<List<(string Text, DateTimeOffset CreatedAt)>> Eventually(ApiClient agent, Guid ticketId, int count)
    {
        List<(string, DateTimeOffset)> messages = [];
        await Poll.Eventually(async () =>
        {
            messages = [.. (await agent.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages").EnumerateArray()
                .Select(m => (m.GetProperty("text").GetString()!, m.GetProperty("created_at").GetDateTimeOffset()))];
            return messages.Count >= count;
        }, seconds: 30);
        return messages;
    }

    private async Task Execute(string sql)
    {
        await using var command = cluster.Database.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<long> Waiting(Guid botId)
    {
        await using var command = cluster.Database.CreateCommand("SELECT count(*) FROM channel_updates WHERE bot_id = $1 AND processed_at IS NULL");
        command.Parameters.Add(new NpgsqlParameter { Value = botId });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
