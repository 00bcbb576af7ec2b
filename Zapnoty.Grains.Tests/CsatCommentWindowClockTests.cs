using Zapnoty.Grains.Channels;
using Zapnoty.Grains.Conversations;
using Zapnoty.Grains.Csat;
using Zapnoty.Grains.Tests.Infrastructure;
using Zapnoty.Grains.Tickets;
using static Zapnoty.Grains.Tests.Infrastructure.Poll;
using Updates = Zapnoty.Grains.Tests.Infrastructure.TelegramUpdateBuilder;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// The CSAT comment window on the silo whose clock the test sets: the real Telegram client against
/// the fake Bot API, updates recorded in the real inbox and applied by the chat's conversation
/// grain, as the webhook route does. The clock only moves forward from wherever the collection's
/// other tests left it.
/// </summary>
[Collection(ClockedCollection.Name)]
public sealed class CsatCommentWindowClockTests(ClockedCluster cluster)
{
    private const string Prompt = "Anything to add? Just write it here.";
    private static SettableClock Clock => ClockedCluster.Clock;

    [Fact]
    public async Task A_message_within_the_hour_after_a_rating_is_its_comment_and_one_after_the_hour_is_a_new_ticket()
    {
        var (projectId, owner) = await cluster.NewProject("Clocked CSAT");
        await cluster.Grains.GetGrain<ICsatSettingsGrain>(projectId).Set(owner, new CsatSettings(true, "How did we do?", "Thanks!", Prompt));
        var fake = cluster.Telegram.AddBot();
        var bot = await cluster.Grains.GetGrain<IBotGrain>(BotKeys.Of(Channel.Telegram, fake.Id.ToString())).Connect(projectId, owner, fake.Token, fake.Username);

        // Whole seconds, as stored.
        var start = DateTimeOffset.FromUnixTimeSeconds(Clock.GetUtcNow().ToUnixTimeSeconds() + 60);
        Clock.Set(start);
        var (anna, boris) = (TelegramCustomer.New(), TelegramCustomer.New("Boris", null, null));
        var annasTicket = await OpenRateAndClose(bot, fake, anna, owner);
        var borisTicket = await OpenRateAndClose(bot, fake, boris, owner);
        Assert.Equal(start + CsatLimits.CommentWindow, (await Summary(annasTicket)).Csat!.CommentUntil);

        // Within the hour: the words are the comment on the rating, and no ticket opens.
        Clock.Set(start.AddMinutes(59));
        await Deliver(bot, fake, anna, Updates.Text(anna, "The courier was very kind"));
        await Eventually(async () => (await Summary(annasTicket)).Csat?.Comment == "The courier was very kind");
        Assert.Single(await TicketsOf(projectId, anna));

        // After it: the same kind of message is an ordinary one and opens a new ticket; the rating keeps no comment.
        Clock.Set(start.AddMinutes(61));
        await Deliver(bot, fake, boris, Updates.Text(boris, "The courier was rude"));
        await Eventually(async () => (await TicketsOf(projectId, boris)).Count == 2);
        var rated = await Summary(borisTicket);
        Assert.Null(rated.Csat!.Comment);
        Assert.Equal(5, rated.Csat.Score);
        var fresh = (await TicketsOf(projectId, boris)).Single(id => id != borisTicket);
        Assert.Equal("The courier was rude", (await cluster.Grains.GetGrain<ITicketGrain>(fresh).Get()).Messages[0].Text);
    }

    /// <summary>The customer's first message opens a ticket; it is closed, and the customer presses 5 under the survey.</summary>
    private async Task<Guid> OpenRateAndClose(BotView bot, FakeBot fake, TelegramCustomer customer, Actor owner)
    {
        await Deliver(bot, fake, customer, Updates.Text(customer, "My parcel is late"));
        List<Guid> tickets = [];
        await Eventually(async () => (tickets = await TicketsOf(bot.ProjectId, customer)).Count == 1);
        var ticketId = tickets[0];
        await cluster.Grains.GetGrain<ITicketGrain>(ticketId).Edit(new TicketEdit(owner, Status: TicketStatus.Closed));
        await Deliver(bot, fake, customer, Updates.Callback(customer, CsatButtons.Data(ticketId, 5), Updates.NextMessageId(), bot: fake));
        await Eventually(async () => (await Summary(ticketId)).Csat is { Score: 5 });
        return ticketId;
    }

    /// <summary>What the webhook route does with an update: recorded in the inbox, then the chat's conversation applies it.</summary>
    private async Task Deliver(BotView bot, FakeBot fake, TelegramCustomer customer, string json)
    {
        var update = Channels.Telegram.TelegramUpdates.Parse(json, Clock.GetUtcNow())!;
        await new ChannelInbox(cluster.Database).Record([new ArrivingUpdate(bot, update, Clock.GetUtcNow())], CancellationToken.None);
        await cluster.Grains.GetGrain<IConversationGrain>(ConversationKeys.Of(Channel.Telegram, fake.Id.ToString(), customer.ChatId.ToString())).Process();
    }

    private Task<TicketView> Summary(Guid ticketId) => cluster.Grains.GetGrain<ITicketGrain>(ticketId).Summary();

    private async Task<List<Guid>> TicketsOf(Guid projectId, TelegramCustomer customer)
    {
        await using var command = cluster.Database.CreateCommand(
            "SELECT t.id FROM tickets t JOIN customers c ON c.id = t.customer_id WHERE t.project_id = $1 AND c.external_id = $2 ORDER BY t.number");
        command.Parameters.Add(new() { Value = projectId });
        command.Parameters.Add(new() { Value = customer.Id.ToString() });
        var ids = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) ids.Add(reader.GetGuid(0));
        return ids;
    }
}
