using System.Net;
using System.Text.Json;
using Npgsql;
using Zapnoty.Grains.Tests.Infrastructure;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Tests;

/// <summary>A ticket's messages come in pages, and a customer cannot grow one without bound (review finding 22).</summary>
[Collection(ClusterCollection.Name)]
public sealed class TicketPagingTests(ClusterFixture cluster)
{
    [Fact]
    public async Task A_ticket_shows_its_latest_50_messages_and_older_ones_page_in_before_the_oldest_shown()
    {
        var (agent, projectId, ticketId) = await Conversation(60);

        var details = await agent.Get($"/v1/helpdesk/tickets/{ticketId}");
        Assert.Equal(Range(10, 60), Texts(details.GetProperty("messages")));
        var before = details.GetProperty("earlier_messages_before").GetGuid();
        Assert.Equal(details.GetProperty("messages")[0].GetProperty("id").GetGuid(), before);

        var page = await agent.Get($"/v1/helpdesk/tickets/{ticketId}/messages?before={before}&limit=4");
        Assert.Equal(Range(6, 10), Texts(page.GetProperty("items")));
        var last = await agent.Get($"/v1/helpdesk/tickets/{ticketId}/messages?before={page.GetProperty("next_before").GetGuid()}&limit=200");
        Assert.Equal(Range(0, 6), Texts(last.GetProperty("items")));
        Assert.Equal(JsonValueKind.Null, last.GetProperty("next_before").ValueKind);

        // Without before: the newest page. A short conversation has no earlier page at all.
        Assert.Equal(Range(57, 60), Texts((await agent.Get($"/v1/helpdesk/tickets/{ticketId}/messages?limit=3")).GetProperty("items")));
        var small = (await agent.CreateTicket(projectId, "Just one", "customer-2")).GetProperty("id").GetGuid();
        var smallDetails = await agent.Get($"/v1/helpdesk/tickets/{small}");
        Assert.Equal(JsonValueKind.Null, smallDetails.GetProperty("earlier_messages_before").ValueKind);
        Assert.Equal(JsonValueKind.Null, smallDetails.GetProperty("earlier_messages_cursor").ValueKind);
    }

    [Fact]
    public async Task The_deprecated_cursor_still_pages_the_messages_as_it_did_and_the_document_says_it_is_deprecated()
    {
        var (agent, _, ticketId) = await Conversation(55);

        var cursor = (await agent.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("earlier_messages_cursor").GetString();
        var page = await agent.Get($"/v1/helpdesk/tickets/{ticketId}/messages?cursor={cursor}&limit=3");
        Assert.Equal(Range(2, 5), Texts(page.GetProperty("items")));
        var last = await agent.Get($"/v1/helpdesk/tickets/{ticketId}/messages?cursor={page.GetProperty("next_cursor").GetString()}");
        Assert.Equal(Range(0, 2), Texts(last.GetProperty("items")));
        Assert.Equal(JsonValueKind.Null, last.GetProperty("next_cursor").ValueKind);

        using var document = JsonDocument.Parse(await cluster.Silos[0].GetStringAsync("/swagger/v1/swagger.json"));
        var parameters = document.RootElement.GetProperty("paths").GetProperty("/v1/helpdesk/tickets/{ticketId}/messages")
            .GetProperty("get").GetProperty("parameters").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!);
        Assert.True(parameters["cursor"].TryGetProperty("deprecated", out var deprecated) && deprecated.GetBoolean());
        Assert.False(parameters["before"].TryGetProperty("deprecated", out var current) && current.GetBoolean());
    }

    [Fact]
    public async Task A_before_or_cursor_this_ticket_did_not_hand_out_and_a_bad_limit_are_refused()
    {
        var agent = await cluster.Api().LogInAs();
        var projectId = await agent.CreateProject();
        var ticketId = (await agent.CreateTicket(projectId)).GetProperty("id").GetGuid();
        var other = (await agent.CreateTicket(projectId, "Another", "customer-2")).GetProperty("id").GetGuid();
        var otherMessage = (await agent.Get($"/v1/helpdesk/tickets/{other}")).GetProperty("messages")[0].GetProperty("id").GetGuid();

        var refusals = new[]
        {
            ("before", "before=not-a-message-id"), ("before", $"before={Guid.NewGuid()}"), ("before", $"before={otherMessage}"),
            ("cursor", "cursor=not-a-cursor"), ("cursor", $"cursor={Cursor(Guid.NewGuid())}"), ("cursor", $"cursor={Cursor(otherMessage)}"),
            ("cursor", "cursor=bm90LWEtZ3VpZA"), ("limit", "limit=0"), ("limit", "limit=201"),
        };
        foreach (var (field, query) in refusals)
        {
            var refused = await agent.Call(HttpMethod.Get, $"/v1/helpdesk/tickets/{ticketId}/messages?{query}", null, HttpStatusCode.BadRequest);
            Assert.True(refused.GetProperty("errors").TryGetProperty(field, out _), query);
        }
    }

    [Fact]
    public async Task A_ticket_with_20000_messages_opens_with_one_page_and_pages_back_to_its_first_message_exactly_once()
    {
        const int count = 20_000;
        // Grown before anything asks the ticket's grain: its activation reads the long conversation.
        var (agent, _, ticketId) = await Conversation(count);

        var details = await agent.Get($"/v1/helpdesk/tickets/{ticketId}");
        Assert.Equal(Range(count - 50, count), Texts(details.GetProperty("messages")));
        var shown = Texts(details.GetProperty("messages"));
        var before = details.GetProperty("earlier_messages_before").GetGuid();
        var pages = 0;
        while (true)
        {
            var page = await agent.Get($"/v1/helpdesk/tickets/{ticketId}/messages?before={before}&limit=200");
            var items = Texts(page.GetProperty("items"));
            Assert.InRange(items.Count, 1, 200);
            shown.InsertRange(0, items);
            pages++;
            if (page.GetProperty("next_before").ValueKind == JsonValueKind.Null) break;
            before = page.GetProperty("next_before").GetGuid();
        }
        // Every message exactly once, in order: no gap and no duplicate at any page boundary.
        Assert.Equal(Range(0, count), shown);
        Assert.Equal((count - 50 + 199) / 200, pages);
    }

    [Fact]
    public async Task Reading_a_long_conversation_walks_a_bounded_number_of_rows_whatever_its_length()
    {
        const int count = 20_000, bound = 1_000;
        var (_, _, ticketId) = await Conversation(count);
        await using (var analyze = cluster.Database.CreateCommand("ANALYZE ticket_messages")) await analyze.ExecuteNonQueryAsync();
        var middle = await Scalar<Guid>("SELECT id FROM ticket_messages WHERE ticket_id = $1 AND text = 'Message 10000'", ticketId);
        var midnight = new DateTimeOffset(DateTimeOffset.UtcNow.UtcDateTime.Date, TimeSpan.Zero);

        // What the grain's activation, a page far back, the daily customer count and a delivery
        // update read: every plan node touches at most `bound` rows of the 20,000 (5%).
        var reads = new (string Name, string Sql, object[] Parameters)[]
        {
            ("activation's latest messages", TicketStore.LatestMessagesSql, [ticketId, TicketLimits.RecentMessages + 1]),
            ("a page far back", TicketStore.MessagesBeforeSql, [ticketId, middle, 201]),
            ("the newest page", TicketStore.MessagesBeforeSql, [ticketId, DBNull.Value, 201]),
            ("customer messages today", TicketStore.CustomerMessagesSinceSql, [ticketId, midnight]),
            ("one message by id", TicketStore.MessageByIdSql, [ticketId, middle]),
            ("one message by messenger id", TicketStore.MessageByChannelIdSql, [ticketId, "42"]),
        };
        foreach (var (name, sql, parameters) in reads)
        {
            var widest = await WidestPlanNode(sql, parameters);
            Assert.True(widest.Rows <= bound, $"{name}: {widest.Node} touches {widest.Rows} rows");
        }

        // The bounded count is the full count.
        var counted = await new TicketStore(cluster.Database).CustomerMessagesSince(ticketId, midnight, CancellationToken.None);
        Assert.Equal(await Scalar<long>("SELECT count(*) FROM ticket_messages WHERE ticket_id = $1 AND author = 'customer' AND created_at >= $2", ticketId, midnight), counted);
        Assert.True(counted > 0);
    }

    /// <summary>
    /// A ticket whose messages read "Message 0" … "Message {count-1}": posted through the API up to
    /// 100, beyond that grown in the database (<see cref="LongConversation"/>) before anything reads the ticket.
    /// </summary>
    private async Task<(ApiClient Agent, Guid ProjectId, Guid TicketId)> Conversation(int count)
    {
        var agent = await cluster.Api().LogInAs();
        var projectId = await agent.CreateProject();
        var ticketId = (await agent.CreateTicket(projectId, "Message 0")).GetProperty("id").GetGuid();
        if (count > 100) await LongConversation.Grow(cluster.Database, projectId, ticketId, count, Guid.NewGuid());
        else
            for (var i = 1; i < count; i++)
                await agent.Post($"/v1/helpdesk/tickets/{ticketId}/customer-reply", new { text = $"Message {i}" });
        return (agent, projectId, ticketId);
    }

    /// <summary>The plan node that touched most rows (returned or filtered out) when the statement ran.</summary>
    private async Task<(string Node, double Rows)> WidestPlanNode(string sql, object[] parameters)
    {
        var plan = await QueryPlan.Analyze(cluster.Database, sql, parameters.Select(value => value is DBNull
            ? new NpgsqlParameter { Value = value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid } : new NpgsqlParameter { Value = value }));
        return (plan.WidestNode, plan.WidestRows);
    }

    private async Task<T> Scalar<T>(string sql, params object[] parameters)
    {
        await using var command = cluster.Database.CreateCommand(sql);
        foreach (var value in parameters) command.Parameters.Add(new NpgsqlParameter { Value = value });
        return (T)(await command.ExecuteScalarAsync())!;
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

    private static List<string> Texts(JsonElement messages) =>
        messages.EnumerateArray().Select(m => m.GetProperty("text").GetString()!).ToList();

    private static List<string> Range(int from, int to) => Enumerable.Range(from, to - from).Select(i => $"Message {i}").ToList();
}
