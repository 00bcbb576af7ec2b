using System.Net;
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
/// The silo's intake of messenger updates (<see cref="UpdateIntake"/>): updates of concurrent
/// webhook requests committed together, each request answered once its update is durable, the
/// update handed to its chat after the commit. What a crash or a bad update in a shared commit
/// must not cost. A chat's messages that waited together go to its open ticket in one transaction
/// (<see cref="ConversationGrain"/>), and a run that fails part way is applied one by one, each update
/// once, in the chat's order. (Order and duplicates through the webhook: <see cref="MessengerChannelTests{TBot, TCustomer}"/>.)
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class UpdateIntakeTests(ClusterFixture cluster)
{
    [Fact]
    public async Task An_update_committed_but_never_handed_to_its_chat_as_when_the_silo_dies_in_between_is_still_applied_once()
    {
        var (agent, projectId, bot, view) = await Connected();
        var customer = TelegramCustomer.New();
        var body = Updates.Text(customer, "Sent just before the silo died");

        // Exactly what the intake commits for a request, and nothing after it: no hand-off to the
        // chat's grain, the state a silo killed between the commit and the hand-off leaves.
        var now = DateTimeOffset.UtcNow;
        Assert.Equal([true], await Service<ChannelInbox>().Record([new ArrivingUpdate(view, TelegramUpdates.Parse(body, now)!, now)], CancellationToken.None));

        await Eventually(async () => await agent.TicketCount(projectId) == 1);
        // Telegram never got its 200 from the dead silo, so it delivers the update again: acknowledged, not applied twice.
        await ChannelWebhook.Accepted(ChannelWebhook.Telegram(cluster.Silos[1], bot, body, cluster.Telegram.WebhookOf(bot)!.SecretToken));
        await Task.Delay(1500);
        Assert.Equal(1, await agent.TicketCount(projectId));
        var ticketId = (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets")).GetProperty("items")[0].GetProperty("id").GetGuid();
        Assert.Equal(1, (await agent.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages").GetArrayLength());
        Assert.Equal(0, await Waiting(view.Id));
    }

    [Fact]
    public async Task An_update_that_cannot_be_recorded_fails_only_its_own_request_not_the_others_committed_with_it()
    {
        var (agent, projectId, _, view) = await Connected();
        var intake = Service<UpdateIntake>();
        Task<bool> Arrives(BotView to, TelegramCustomer from, string text)
        {
            var now = DateTimeOffset.UtcNow;
            return intake.Record(new ArrivingUpdate(to, TelegramUpdates.Parse(Updates.Text(from, text), now)!, now));
        }

        // Handed in together, so they share commits; the bot row of one does not exist (its insert breaks the statement).
        var before = Enumerable.Range(0, 10).Select(i => Arrives(view, TelegramCustomer.New($"Before{i}"), $"Problem {i}")).ToList();
        var orphan = Arrives(view with { Id = Guid.NewGuid() }, TelegramCustomer.New("Nobody"), "A bot no one connected");
        var after = Enumerable.Range(10, 10).Select(i => Arrives(view, TelegramCustomer.New($"After{i}"), $"Problem {i}")).ToList();

        var postgres = await Assert.ThrowsAsync<PostgresException>(() => orphan);
        Assert.Equal(PostgresErrorCodes.ForeignKeyViolation, postgres.SqlState);
        Assert.All(await Task.WhenAll(before.Concat(after)), Assert.True);
        await Eventually(async () => await agent.TicketCount(projectId) == 20, seconds: 30);
        Assert.Equal(0, await Waiting(view.Id));
    }

    [Fact]
    public async Task Messages_that_waited_together_reach_the_open_ticket_in_one_transaction_in_the_order_they_were_sent()
    {
        var (agent, bot, view, customer, ticketId) = await ChatWithOpenTicket();
        var texts = Enumerable.Range(1, 5).Select(i => $"Line {i} of what happened").ToList();

        await Waits(view, customer, texts);
        await Nudge(bot, customer);

        var messages = await MessagesOnceThere(agent, ticketId, count: 6);
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

            var messages = await MessagesOnceThere(agent, ticketId, count: 6);
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
        var inbox = Service<ChannelInbox>();
        var now = DateTimeOffset.UtcNow;
        var arriving = texts.Select((text, i) =>
            new ArrivingUpdate(view, TelegramUpdates.Parse(Updates.Text(customer, text), now.AddMilliseconds(i))!, now.AddMilliseconds(i))).ToList();
        Assert.All(await inbox.Record(arriving, CancellationToken.None), Assert.True);
    }

    private Task Nudge(FakeBot bot, TelegramCustomer customer) =>
        cluster.Grains.GetGrain<IConversationGrain>(ConversationKeys.Of(Channel.Telegram, bot.Id.ToString(), customer.ChatId.ToString())).Process();

    private async Task<(ApiClient Agent, FakeBot Bot, BotView View, TelegramCustomer Customer, Guid TicketId)> ChatWithOpenTicket()
    {
        var (agent, projectId, bot, view) = await Connected();
        var customer = TelegramCustomer.New();
        await ChannelWebhook.Accepted(ChannelWebhook.Telegram(cluster.Silos[0], bot, Updates.Text(customer, "It does not start"),
            cluster.Telegram.WebhookOf(bot)!.SecretToken));
        await Eventually(async () => await agent.TicketCount(projectId) == 1);
        var ticketId = (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets")).GetProperty("items")[0].GetProperty("id").GetGuid();
        return (agent, bot, view, customer, ticketId);
    }

    /// <summary>The ticket's messages once it has <paramref name="count"/> of them.</summary>
    private static async Task<List<(string Text, DateTimeOffset CreatedAt)>> MessagesOnceThere(ApiClient agent, Guid ticketId, int count)
    {
        List<(string, DateTimeOffset)> messages = [];
        await Eventually(async () =>
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

    private T Service<T>() where T : notnull => ((InProcessSiloHandle)cluster.Cluster.Silos[0]).SiloHost.Services.GetRequiredService<T>();

    private async Task<(ApiClient Agent, Guid ProjectId, FakeBot Bot, BotView View)> Connected()
    {
        var agent = await cluster.Api().LogInAs();
        var projectId = await agent.CreateProject();
        var bot = cluster.Telegram.AddBot();
        await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/telegram", new Dictionary<string, string> { ["bot_token"] = bot.Token },
            HttpStatusCode.OK);
        var view = await cluster.Grains.GetGrain<IBotGrain>(BotKeys.Of(Channel.Telegram, bot.Id.ToString())).Live();
        return (agent, projectId, bot, view!);
    }

    /// <summary>The bot's updates no conversation has applied yet.</summary>
    private async Task<long> Waiting(Guid botId)
    {
        await using var command = cluster.Database.CreateCommand("SELECT count(*) FROM channel_updates WHERE bot_id = $1 AND processed_at IS NULL");
        command.Parameters.Add(new NpgsqlParameter { Value = botId });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
