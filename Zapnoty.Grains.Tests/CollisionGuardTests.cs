using System.Net;
using System.Text.Json;
using Zapnoty.Grains.Tests.Infrastructure;
using MaxUpdates = Zapnoty.Grains.Tests.Infrastructure.MaxUpdateBuilder;
using Updates = Zapnoty.Grains.Tests.Infrastructure.TelegramUpdateBuilder;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// Two agents on one ticket: each sees the other viewing and typing (presence heartbeats that end
/// on their own), the customer sees "typing…" in Telegram and Max, and a reply written against an
/// outdated conversation is refused with the messages the agent has not seen.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class CollisionGuardTests(ClusterFixture cluster)
{
    [Fact]
    public async Task Another_agents_viewing_and_typing_reach_the_stream_and_end_on_their_own()
    {
        var owner = await cluster.Api(0).LogInAs();
        var projectId = await owner.CreateProject();
        var (colleague, colleagueId) = await Member(owner, projectId, "support", silo: 1);
        var ticketId = (await owner.CreateTicket(projectId)).GetProperty("id").GetGuid();
        await using var stream = await EventStreamClient.Open(cluster.Silos[0], owner.Token, projectId);

        await colleague.Call(HttpMethod.Post, $"/v1/helpdesk/tickets/{ticketId}/presence", new { state = "viewing" }, HttpStatusCode.NoContent);
        await stream.WaitFor(e => Present(e, ticketId) is [{ } p] && p == (colleagueId, "viewing"));
        await colleague.Call(HttpMethod.Post, $"/v1/helpdesk/tickets/{ticketId}/presence", new { state = "typing" }, HttpStatusCode.NoContent);
        await stream.WaitFor(e => Present(e, ticketId) is [{ } p] && p == (colleagueId, "typing"));

        // No more heartbeats: typing ends after 6 s, viewing after 15 s.
        await stream.WaitFor(e => Present(e, ticketId) is [{ } p] && p == (colleagueId, "viewing"), seconds: 10);
        await stream.WaitFor(e => Present(e, ticketId) is [], seconds: 15);

        // A stream opened while someone is present learns it at once.
        await colleague.Call(HttpMethod.Post, $"/v1/helpdesk/tickets/{ticketId}/presence", new { state = "viewing" }, HttpStatusCode.NoContent);
        await stream.WaitFor(e => Present(e, ticketId) is [_]);
        await using var late = await EventStreamClient.Open(cluster.Silos[1], owner.Token, projectId);
        await late.WaitFor(e => Present(e, ticketId) is [{ } p] && p == (colleagueId, "viewing"));
    }

    [Fact]
    public async Task Presence_takes_viewing_or_typing_from_people_and_typing_only_from_agents()
    {
        var owner = await cluster.Api(0).LogInAs();
        var projectId = await owner.CreateProject();
        var (viewer, _) = await Member(owner, projectId, "viewer");
        var key = (await owner.Post($"/v1/projects/{projectId}/api-keys", new { name = "crm" })).GetProperty("key").GetString();
        var ticketId = (await owner.CreateTicket(projectId)).GetProperty("id").GetGuid();
        var presence = $"/v1/helpdesk/tickets/{ticketId}/presence";

        await viewer.Call(HttpMethod.Post, presence, new { state = "viewing" }, HttpStatusCode.NoContent);
        await viewer.Call(HttpMethod.Post, presence, new { state = "typing" }, HttpStatusCode.Forbidden);
        await owner.WithToken(key).Call(HttpMethod.Post, presence, new { state = "viewing" }, HttpStatusCode.Forbidden);
        var bad = await owner.Call(HttpMethod.Post, presence, new { state = "sleeping" }, HttpStatusCode.BadRequest);
        Assert.True(bad.GetProperty("errors").TryGetProperty("state", out _));
        var stranger = await cluster.Api(1).LogInAs();
        await stranger.Call(HttpMethod.Post, presence, new { state = "viewing" }, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task An_agent_typing_shows_typing_to_the_Telegram_customer_at_most_once_per_four_and_a_half_seconds()
    {
        var agent = await cluster.Api(0).LogInAs();
        var projectId = await agent.CreateProject();
        var bot = cluster.Telegram.AddBot();
        await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/telegram", new { bot_token = bot.Token }, HttpStatusCode.OK);
        var customer = TelegramCustomer.New("Ivan");
        await ChannelWebhook.Accepted(ChannelWebhook.Telegram(cluster.Silos[1], bot, Updates.Text(customer, "My parcel is late"),
            cluster.Telegram.WebhookOf(bot)!.SecretToken));
        var ticketId = await TicketOf(agent, projectId, customer.Id);
        IReadOnlyList<TelegramCall> ActionsToCustomer() =>
            cluster.Telegram.CallsTo("sendChatAction").Where(c => c.Token == bot.Token && c.ChatId == customer.Id).ToList();

        // Keys pressed for two seconds: heartbeats every 400 ms, one "typing…" for the customer.
        for (var i = 0; i < 5; i++)
        {
            await agent.Call(HttpMethod.Post, $"/v1/helpdesk/tickets/{ticketId}/presence", new { state = "typing" }, HttpStatusCode.NoContent);
            await Task.Delay(400);
        }
        await Poll.Eventually(() => Task.FromResult(ActionsToCustomer().Count == 1));
        Assert.Equal("typing", ActionsToCustomer()[0].Field("action"));
        await Task.Delay(1000);
        Assert.Single(ActionsToCustomer());

        // Still typing after the interval: shown again (Telegram clears it after 5 s).
        await Task.Delay(2000);
        await agent.Call(HttpMethod.Post, $"/v1/helpdesk/tickets/{ticketId}/presence", new { state = "typing" }, HttpStatusCode.NoContent);
        await Poll.Eventually(() => Task.FromResult(ActionsToCustomer().Count == 2));
        // Viewing is never shown to the customer.
        await agent.Call(HttpMethod.Post, $"/v1/helpdesk/tickets/{ticketId}/presence", new { state = "viewing" }, HttpStatusCode.NoContent);
        await Task.Delay(500);
        Assert.Equal(2, ActionsToCustomer().Count);
    }

    [Fact]
    public async Task An_agent_typing_shows_typing_on_in_the_Max_customers_dialog_at_most_once_per_four_and_a_half_seconds()
    {
        var agent = await cluster.Api(0).LogInAs();
        var projectId = await agent.CreateProject();
        var bot = cluster.Max.AddBot();
        await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/max", new { access_token = bot.Token }, HttpStatusCode.OK);
        var secret = Assert.Single(cluster.Max.SubscriptionsOf(bot)).Secret;
        var customer = MaxCustomer.New("Ivan", "Orlov", "ivan_o");
        await ChannelWebhook.Accepted(ChannelWebhook.Max(cluster.Silos[1], bot, MaxUpdates.Text(customer, "My parcel is late"), secret));
        var ticketId = await TicketOf(agent, projectId, customer.UserId);
        var presence = $"/v1/helpdesk/tickets/{ticketId}/presence";

        // Keys pressed for two seconds: one typing_on, in the dialog's chat (Max's updates name it), not at the user id.
        for (var i = 0; i < 5; i++)
        {
            await agent.Call(HttpMethod.Post, presence, new { state = "typing" }, HttpStatusCode.NoContent);
            await Task.Delay(400);
        }
        await Poll.Eventually(() => Task.FromResult(cluster.Max.ActionsIn(bot, customer.DialogId).Count == 1));
        Assert.Equal(["typing_on"], cluster.Max.ActionsIn(bot, customer.DialogId));
        Assert.Empty(cluster.Max.CallsTo("POST", $"/chats/{customer.UserId}/actions"));
        await Task.Delay(1000);
        Assert.Single(cluster.Max.ActionsIn(bot, customer.DialogId));

        // Still typing after the interval: shown again; viewing never is.
        await Task.Delay(2000);
        await agent.Call(HttpMethod.Post, presence, new { state = "typing" }, HttpStatusCode.NoContent);
        await Poll.Eventually(() => Task.FromResult(cluster.Max.ActionsIn(bot, customer.DialogId).Count == 2));
        await agent.Call(HttpMethod.Post, presence, new { state = "viewing" }, HttpStatusCode.NoContent);
        await Task.Delay(500);
        Assert.Equal(2, cluster.Max.ActionsIn(bot, customer.DialogId).Count);
    }

    [Fact]
    public async Task A_reply_written_before_newer_messages_arrived_is_refused_with_them_and_sent_once_they_are_seen()
    {
        var agent = await cluster.Api(0).LogInAs();
        var projectId = await agent.CreateProject();
        var (colleague, colleagueId) = await Member(agent, projectId, "support", silo: 1);
        var ticketId = (await agent.CreateTicket(projectId, "The app crashes")).GetProperty("id").GetGuid();
        var ticket = $"/v1/helpdesk/tickets/{ticketId}";
        var seen = (await agent.Get(ticket)).GetProperty("messages")[0].GetProperty("id").GetGuid();

        // While the agent writes: the customer adds something, a colleague answers.
        await agent.Post($"{ticket}/customer-reply", new { text = "On Android 14" });
        await colleague.Post($"{ticket}/replies", new { text = "Which version of the app?" });

        var refused = await agent.Call(HttpMethod.Post, $"{ticket}/replies", new { text = "Please reinstall", expected_last_message_id = seen }, HttpStatusCode.Conflict);
        var newer = refused.GetProperty("newer_messages").EnumerateArray().ToList();
        Assert.Equal(["On Android 14", "Which version of the app?"], newer.Select(m => m.GetProperty("text").GetString()));
        Assert.Equal(["customer", "agent"], newer.Select(m => m.GetProperty("author").GetString()));
        Assert.Equal(colleagueId, newer[1].GetProperty("agent_id").GetGuid());
        var messages = (await agent.Get(ticket)).GetProperty("messages");
        Assert.Equal(3, messages.GetArrayLength());
        var billing = await agent.Get($"/v1/projects/{projectId}/billing");

        // Reviewed: the latest message is now the one the agent saw.
        var latest = messages[2].GetProperty("id").GetGuid();
        var sent = await agent.Post($"{ticket}/replies", new { text = "Please reinstall", expected_last_message_id = latest });
        Assert.Equal("Please reinstall", sent.GetProperty("text").GetString());
        Assert.Equal(billing.GetProperty("free_credits_left").GetInt32() - 1, (await agent.Get($"/v1/projects/{projectId}/billing")).GetProperty("free_credits_left").GetInt32());

        // Without the field there is no check; with an id of no message of this ticket, 400.
        await agent.Post($"{ticket}/replies", new { text = "One more thing" });
        var unknown = await agent.Call(HttpMethod.Post, $"{ticket}/replies", new { text = "Hm", expected_last_message_id = Guid.NewGuid() }, HttpStatusCode.BadRequest);
        Assert.True(unknown.GetProperty("errors").TryGetProperty("expected_last_message_id", out _));
    }

    [Fact]
    public async Task Commands_on_a_ticket_whose_row_another_activation_moved_on_are_applied_to_the_reloaded_row_not_refused()
    {
        var owner = await cluster.Api(0).LogInAs();
        var projectId = await owner.CreateProject();
        var tag = (await owner.Post($"/v1/projects/{projectId}/tags", new { name = "Refund" })).GetProperty("id").GetGuid();
        var ticketId = (await owner.CreateTicket(projectId)).GetProperty("id").GetGuid();
        var ticket = $"/v1/helpdesk/tickets/{ticketId}";

        // Each command meets a version bumped behind the grain (as by an activation on a silo that
        // then died): its first transaction rolls back, the grain reloads and applies it once more.
        await MoveRowOn(ticketId);
        Assert.Equal("high", (await owner.Patch(ticket, new { priority = "high" })).GetProperty("priority").GetString());
        await MoveRowOn(ticketId);
        await owner.Post($"{ticket}/notes", new { text = "Checked the order" });
        await MoveRowOn(ticketId);
        await owner.Call(HttpMethod.Put, $"{ticket}/tags", new { tag_ids = new[] { tag } }, HttpStatusCode.OK);
        await MoveRowOn(ticketId);
        await owner.Post($"{ticket}/replies", new { text = "Refunded" });

        var shown = await owner.Get(ticket);
        Assert.Equal("high", shown.GetProperty("priority").GetString());
        Assert.Equal(["Refund"], shown.GetProperty("tags").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        var texts = shown.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("text").GetString()).ToList();
        Assert.Single(texts, t => t == "Checked the order");
        Assert.Single(texts, t => t == "Refunded");
        Assert.Single(shown.GetProperty("history").EnumerateArray(), h => h.GetProperty("field").GetString() == "priority");
    }

    private async Task MoveRowOn(Guid ticketId)
    {
        await using var command = cluster.Database.CreateCommand("UPDATE tickets SET version = version + 1 WHERE id = $1");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = ticketId });
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    private async Task<(ApiClient Client, Guid UserId)> Member(ApiClient owner, Guid projectId, string role, int silo = 0)
    {
        var email = $"{role}-{Guid.NewGuid():N}@example.com";
        var client = await cluster.Api(silo).LogInAs(email);
        var member = await owner.Post($"/v1/projects/{projectId}/members", new { email, role });
        return (client, member.GetProperty("user_id").GetGuid());
    }

    /// <summary>The people on the ticket by the latest presence event about it (empty before any).</summary>
    private static List<(Guid UserId, string State)> Present(IReadOnlyList<StreamEvent> events, Guid ticketId) =>
        events.LastOrDefault(e => e.Event == "presence" && e.Json.GetProperty("ticket_id").GetGuid() == ticketId) is { } latest
            ? latest.Json.GetProperty("people").EnumerateArray().Select(p => (p.GetProperty("user_id").GetGuid(), p.GetProperty("state").GetString()!)).ToList()
            : [];

    /// <summary>The ticket a messenger customer's first message opened, once the conversation grain has applied it.</summary>
    private static async Task<Guid> TicketOf(ApiClient agent, Guid projectId, long customerId)
    {
        Guid ticketId = default;
        await Poll.Eventually(async () =>
        {
            var items = (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets?customer_external_id={customerId}")).GetProperty("items");
            if (items.GetArrayLength() == 0) return false;
            ticketId = items[0].GetProperty("id").GetGuid();
            return true;
        });
        return ticketId;
    }
}
