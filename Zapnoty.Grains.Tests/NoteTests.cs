using System.Net;
using System.Text.Json;
using Zapnoty.Grains.Channels;
using Zapnoty.Grains.Tests.Dashboard;
using Zapnoty.Grains.Tests.Infrastructure;
using static Zapnoty.Grains.Tests.Infrastructure.Poll;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// Internal notes: stored with the conversation, marked internal, seen by the team and by
/// <c>ticket.note_added</c> webhooks only: never sent to the customer, free, and no reply.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class NoteTests(ClusterFixture cluster) : IAsyncLifetime
{
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.Start();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private static string Notes(Guid ticketId) => $"/v1/helpdesk/tickets/{ticketId}/notes";

    [Fact]
    public async Task A_note_is_stored_internal_and_is_neither_a_reply_nor_a_credit()
    {
        var desk = await SupportDesk.Open(cluster);
        var (ticketId, _) = await desk.ApiTicket("My order did not arrive");
        var creditsBefore = (await desk.Owner.Get($"/v1/projects/{desk.ProjectId}/billing")).GetProperty("credits_left").GetInt32();

        var note = await cluster.Api(1).WithToken(desk.Owner.Token).Post(Notes(ticketId), new { text = "Courier says it was left at the door." });

        Assert.Equal("agent", note.GetProperty("author").GetString());
        Assert.True(note.GetProperty("internal").GetBoolean());
        Assert.Equal("Courier says it was left at the door.", note.GetProperty("text").GetString());
        var ticket = await desk.Owner.Get($"/v1/helpdesk/tickets/{ticketId}");
        Assert.Equal("new", ticket.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, ticket.GetProperty("first_reply_at").ValueKind);
        var messages = ticket.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal([false, true], messages.Select(m => m.GetProperty("internal").GetBoolean()));
        Assert.Equal(note.GetProperty("id").GetGuid(), messages[1].GetProperty("id").GetGuid());
        var history = ticket.GetProperty("history").EnumerateArray().Single(h => h.GetProperty("field").GetString() == "note");
        Assert.Equal(note.GetProperty("id").GetString(), history.GetProperty("to").GetString());
        Assert.Equal(creditsBefore, (await desk.Owner.Get($"/v1/projects/{desk.ProjectId}/billing")).GetProperty("credits_left").GetInt32());

        // A reply afterwards is still the first reply: the note did not count as one.
        await desk.Owner.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = "We are on it." });
        ticket = await desk.Owner.Get($"/v1/helpdesk/tickets/{ticketId}");
        Assert.Equal("in_progress", ticket.GetProperty("status").GetString());
        Assert.Equal(creditsBefore - 1, (await desk.Owner.Get($"/v1/projects/{desk.ProjectId}/billing")).GetProperty("credits_left").GetInt32());
    }

    [Fact]
    public async Task A_note_on_a_telegram_ticket_never_reaches_the_customers_chat()
    {
        var desk = await SupportDesk.Open(cluster);
        var customer = TelegramCustomer.New();
        var (_, _, ticketId, _) = await desk.TelegramTicket(cluster, "The app crashes on start", customer);
        var secret = $"internal-{Guid.NewGuid():N}";

        await desk.Owner.Post(Notes(ticketId), new { text = $"Known bug {secret}, fixed in 2.1" });
        var reply = $"reply-{Guid.NewGuid():N}";
        await desk.Owner.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = reply });

        // The reply, queued after the note in the same chat, arrives: the note had its chance and was never sent.
        await cluster.Telegram.WaitForSent(sent => sent.Any(m => m.Text == reply));
        Assert.DoesNotContain(cluster.Telegram.Calls, c => c.Body.ToString().Contains(secret, StringComparison.Ordinal));
        await using var command = cluster.Database.CreateCommand("SELECT count(*) FROM channel_outbox WHERE text LIKE '%' || $1 || '%'");
        command.Parameters.Add(new() { Value = secret });
        Assert.Equal(0L, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task The_sender_refuses_a_note_that_a_bug_queued_for_the_chat()
    {
        var desk = await SupportDesk.Open(cluster);
        var (_, _, ticketId, _) = await desk.TelegramTicket(cluster, "Where is my refund?", TelegramCustomer.New());
        var secret = $"internal-{Guid.NewGuid():N}";
        var note = await desk.Owner.Post(Notes(ticketId), new { text = $"Refund blocked by fraud check {secret}" });
        var (botId, chatId) = await RouteOf(ticketId);

        // What a bug would do: queue the note for the customer's chat, exactly as a reply is queued.
        await using (var batch = cluster.Database.CreateBatch())
        {
            batch.BatchCommands.Add(ChannelWrites.Enqueue(new Tickets.ChatRoute(botId, chatId), note.GetProperty("text").GetString()!, null,
                note.GetProperty("id").GetGuid(), ticketId, DateTimeOffset.UtcNow));
            await batch.ExecuteNonQueryAsync();
        }
        await cluster.Grains.GetGrain<IChannelSenderGrain>(botId).Nudge();

        string? error = null;
        await Eventually(async () => (error = await OutboxError(secret)) is not null);
        Assert.Equal(ChannelOutbox.InternalRefused, error);
        // And the chat still works: a reply after it goes out, the note never did.
        var reply = $"reply-{Guid.NewGuid():N}";
        await desk.Owner.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = reply });
        await cluster.Telegram.WaitForSent(sent => sent.Any(m => m.Text == reply));
        Assert.DoesNotContain(cluster.Telegram.Calls, c => c.Body.ToString().Contains(secret, StringComparison.Ordinal));
        var stored = (await desk.Owner.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages").EnumerateArray()
            .Single(m => m.GetProperty("id").GetGuid() == note.GetProperty("id").GetGuid());
        Assert.True(stored.GetProperty("internal").GetBoolean());
    }

    [Fact]
    public async Task A_note_goes_to_webhooks_as_ticket_note_added_and_only_to_those_subscribed()
    {
        var desk = await SupportDesk.Open(cluster);
        await desk.Owner.Post($"/v1/projects/{desk.ProjectId}/webhooks", new { url = _receiver.Url("all"), events = new[] { "ticket.*" } });
        await desk.Owner.Post($"/v1/projects/{desk.ProjectId}/webhooks", new { url = _receiver.Url("replies"), events = new[] { "ticket.replied" } });
        var (ticketId, _) = await desk.ApiTicket("Can I change the delivery address?");

        var note = await desk.Owner.Post(Notes(ticketId), new { text = "Only before it ships." });
        await desk.Owner.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = "Yes, until it ships." });

        var all = await _receiver.WaitFor(r => r.Any(w => w.Type == "ticket.replied"), "all");
        Assert.Equal(["ticket.created", "ticket.note_added", "ticket.replied"], all.Select(w => w.Type).Take(3));
        var added = all.Single(w => w.Type == "ticket.note_added").Data.GetProperty("message");
        Assert.Equal(note.GetProperty("id").GetGuid(), added.GetProperty("id").GetGuid());
        Assert.True(added.GetProperty("internal").GetBoolean());
        Assert.Equal("Only before it ships.", added.GetProperty("text").GetString());
        Assert.False(all.Single(w => w.Type == "ticket.replied").Data.GetProperty("message").GetProperty("internal").GetBoolean());

        // A website that shows ticket.replied to its customer never receives the note.
        var replies = await _receiver.WaitFor(r => r.Count >= 1, "replies");
        Assert.Equal(["ticket.replied"], replies.Select(w => w.Type));
    }

    [Fact]
    public async Task Whoever_may_reply_may_write_a_note_and_a_viewer_may_not()
    {
        var desk = await SupportDesk.Open(cluster);
        var (ticketId, _) = await desk.ApiTicket("Question");
        var support = await desk.Member(cluster, "support");
        var viewer = await desk.Member(cluster, "viewer");

        await support.Post(Notes(ticketId), new { text = "I'll take this one." });
        var refused = await viewer.Call(HttpMethod.Post, Notes(ticketId), new { text = "Me too" }, HttpStatusCode.Forbidden);
        Assert.Contains("support", refused.GetProperty("detail").GetString());
        var outsider = await cluster.Api().LogInAs();
        await outsider.Call(HttpMethod.Post, Notes(ticketId), new { text = "Hello" }, HttpStatusCode.NotFound);
        Assert.Equal(2, (await desk.Owner.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages").GetArrayLength());
    }

    [Fact]
    public async Task A_note_without_text_or_with_text_a_database_cannot_keep_is_refused_with_a_problem()
    {
        var desk = await SupportDesk.Open(cluster);
        var (ticketId, _) = await desk.ApiTicket("Question");

        foreach (var body in new[] { "{}", """{"text":""}""", """{"text":"   "}""", """{"text":"a\u0000b"}""", """{"text":null}""", "[]", "not json",
                     JsonSerializer.Serialize(new { text = new string('x', 4097) }) })
        {
            using var response = await desk.Owner.SendRaw(HttpMethod.Post, Notes(ticketId), body);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{body[..Math.Min(body.Length, 40)]}: {(int)response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        using (var huge = await desk.Owner.SendRaw(HttpMethod.Post, Notes(ticketId), JsonSerializer.Serialize(new { text = new string('x', 70_000) })))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
            Assert.Equal("application/problem+json", huge.Content.Headers.ContentType?.MediaType);
        }
        Assert.Equal(1, (await desk.Owner.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages").GetArrayLength());
    }

    private async Task<(Guid BotId, string ChatId)> RouteOf(Guid ticketId)
    {
        await using var command = cluster.Database.CreateCommand("SELECT bot_id, chat_id FROM tickets WHERE id = $1");
        command.Parameters.Add(new() { Value = ticketId });
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetGuid(0), reader.GetString(1));
    }

    private async Task<string?> OutboxError(string text)
    {
        await using var command = cluster.Database.CreateCommand(
            "SELECT last_error FROM channel_outbox WHERE text LIKE '%' || $1 || '%' AND status = 'failed'");
        command.Parameters.Add(new() { Value = text });
        return await command.ExecuteScalarAsync() as string;
    }
}
