using System.Net;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

/// <summary>A ticket's messages come in pages, and a customer cannot grow one without bound (review finding 22).</summary>
[Collection(ClusterCollection.Name)]
public sealed class TicketPagingTests(ClusterFixture cluster)
{
    [Fact]
    public async Task A_ticket_shows_its_latest_50_messages_and_older_ones_page_in_through_the_cursor()
    {
        var agent = await cluster.Api().LogInAs();
        var projectId = await agent.CreateProject();
        var ticketId = (await agent.CreateTicket(projectId, "Message 0")).GetProperty("id").GetGuid();
        for (var i = 1; i < 60; i++)
            await agent.Post($"/v1/helpdesk/tickets/{ticketId}/customer-reply", new { text = $"Message {i}" });

        var details = await agent.Get($"/v1/helpdesk/tickets/{ticketId}");
        Assert.Equal(Range(10, 60), Texts(details.GetProperty("messages")));
        var cursor = details.GetProperty("earlier_messages_cursor").GetString();

        var page = await agent.Get($"/v1/helpdesk/tickets/{ticketId}/messages?cursor={cursor}&limit=4");
        Assert.Equal(Range(6, 10), Texts(page.GetProperty("items")));
        var last = await agent.Get($"/v1/helpdesk/tickets/{ticketId}/messages?cursor={page.GetProperty("next_cursor").GetString()}&limit=200");
        Assert.Equal(Range(0, 6), Texts(last.GetProperty("items")));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, last.GetProperty("next_cursor").ValueKind);

        // Without a cursor: the newest page. A short conversation has no earlier page at all.
        Assert.Equal(Range(57, 60), Texts((await agent.Get($"/v1/helpdesk/tickets/{ticketId}/messages?limit=3")).GetProperty("items")));
        var small = (await agent.CreateTicket(projectId, "Just one", "customer-2")).GetProperty("id").GetGuid();
        Assert.Equal(System.Text.Json.JsonValueKind.Null, (await agent.Get($"/v1/helpdesk/tickets/{small}")).GetProperty("earlier_messages_cursor").ValueKind);
    }

    [Fact]
    public async Task A_cursor_this_ticket_did_not_hand_out_and_a_bad_limit_are_refused()
    {
        var agent = await cluster.Api().LogInAs();
        var projectId = await agent.CreateProject();
        var ticketId = (await agent.CreateTicket(projectId)).GetProperty("id").GetGuid();
        var other = (await agent.CreateTicket(projectId, "Another", "customer-2")).GetProperty("id").GetGuid();
        var otherMessage = (await agent.Get($"/v1/helpdesk/tickets/{other}")).GetProperty("messages")[0].GetProperty("id").GetGuid();

        foreach (var query in new[] { "cursor=not-a-cursor", $"cursor={Cursor(Guid.NewGuid())}", $"cursor={Cursor(otherMessage)}", "cursor=bm90LWEtZ3VpZA" })
        {
            var refused = await agent.Call(HttpMethod.Get, $"/v1/helpdesk/tickets/{ticketId}/messages?{query}", null, HttpStatusCode.BadRequest);
            Assert.True(refused.GetProperty("errors").TryGetProperty("cursor", out _), query);
        }
        var limit = await agent.Call(HttpMethod.Get, $"/v1/helpdesk/tickets/{ticketId}/messages?limit=0", null, HttpStatusCode.BadRequest);
        Assert.True(limit.GetProperty("errors").TryGetProperty("limit", out _));
    }

    [Fact]
    public async Task A_website_customer_past_the_days_message_cap_is_refused_with_429_and_agents_can_still_reply()
    {
        var agent = await cluster.Api().LogInAs();
        var projectId = await agent.CreateProject();
        var ticketId = (await agent.CreateTicket(projectId)).GetProperty("id").GetGuid();
        await AddCustomerMessagesToday(cluster, projectId, ticketId, 998);
        await agent.Post($"/v1/helpdesk/tickets/{ticketId}/customer-reply", new { text = "The thousandth" });

        using var refused = await agent.Send(HttpMethod.Post, $"/v1/helpdesk/tickets/{ticketId}/customer-reply", new { text = "One too many" });
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(refused.Headers.RetryAfter);
        await agent.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = "We read everything, thank you." });
    }

    /// <summary>Messages the customer sent today, written straight to the database (a flood without its minutes of posting).</summary>
    internal static async Task AddCustomerMessagesToday(ClusterFixture cluster, Guid projectId, Guid ticketId, int count)
    {
        await using var command = cluster.Database.CreateCommand("""
            INSERT INTO ticket_messages (id, ticket_id, project_id, author, text, created_at, delivery)
            SELECT gen_random_uuid(), $1, $2, 'customer', 'Flood ' || i, now(), 'delivered' FROM generate_series(1, $3) i
            """);
        command.Parameters.Add(new() { Value = ticketId });
        command.Parameters.Add(new() { Value = projectId });
        command.Parameters.Add(new() { Value = count });
        await command.ExecuteNonQueryAsync();
    }

    private static string Cursor(Guid messageId) =>
        Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(messageId.ToString())).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static List<string> Texts(System.Text.Json.JsonElement messages) =>
        messages.EnumerateArray().Select(m => m.GetProperty("text").GetString()!).ToList();

    private static List<string> Range(int from, int to) => Enumerable.Range(from, to - from).Select(i => $"Message {i}").ToList();
}
