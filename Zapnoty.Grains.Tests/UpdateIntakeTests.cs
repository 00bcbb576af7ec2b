using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.TestingHost;
using Zapnoty.Grains.Channels;
using Zapnoty.Grains.Channels.Telegram;
using Zapnoty.Grains.Tests.Infrastructure;
using Zapnoty.Grains.Tickets;
using static Zapnoty.Grains.Tests.Infrastructure.Poll;
using Updates = Zapnoty.Grains.Tests.Infrastructure.TelegramUpdateBuilder;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// The silo's intake of messenger updates (<see cref="UpdateIntake"/>): updates of concurrent
/// webhook requests committed together, each request answered once its update is durable, the
/// update handed to its chat after the commit. What a crash or a bad update in a shared commit
/// must not cost. (Order and duplicates through the webhook: <see cref="MessengerChannelTests{TBot, TCustomer}"/>.)
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
