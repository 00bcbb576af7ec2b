using System.Net;
using System.Text.Json;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

/// <summary>A search cannot make the shared database scan a whole project per request (review finding 11).</summary>
[Collection(ClusterCollection.Name)]
public sealed class TicketSearchTests(ClusterFixture cluster)
{
    [Theory]
    [InlineData("a")]
    [InlineData("ab")]
    [InlineData("%20x%20")]
    [InlineData("%23")]
    [InlineData("%23a")]
    public async Task A_text_search_shorter_than_three_characters_is_refused_by_the_list_and_the_counts(string q)
    {
        var agent = await cluster.Api().LogInAs();
        var p = await agent.CreateProject();
        foreach (var path in new[] { $"/v1/projects/{p}/helpdesk/tickets?q={q}", $"/v1/projects/{p}/helpdesk/tickets/counts?q={q}" })
        {
            var refused = await agent.Call(HttpMethod.Get, path, null, HttpStatusCode.BadRequest);
            Assert.Contains("at least 3 characters", refused.GetProperty("errors").GetProperty("q")[0].GetString());
        }
    }

    [Fact]
    public async Task Ticket_numbers_of_any_length_and_text_of_three_characters_or_more_are_found()
    {
        var agent = await cluster.Api().LogInAs();
        var p = await agent.CreateProject();
        var t1 = await Id(agent.CreateTicket(p, "Payment failed", "alice", new { customer = new { external_id = "alice", name = "Alice Zhu" } }));
        var t2 = await Id(agent.CreateTicket(p, "Cannot log in", "bob"));
        await agent.Post($"/v1/helpdesk/tickets/{t2}/customer-reply", new { text = "Order 1042 is missing" });

        var path = $"/v1/projects/{p}/helpdesk/tickets";
        Assert.Equal([t1], await Ids(agent, path + "?q=%231"));
        Assert.Equal([t2], await Ids(agent, path + "?q=2"));
        Assert.Equal([t1], await Ids(agent, path + "?q=Zhu"));          // the customer's name
        Assert.Equal([t2], await Ids(agent, path + "?q=1042"));         // digits are a number and text
        Assert.Equal([t2], await Ids(agent, path + "?q=log"));          // the subject
        Assert.Equal([t1], await Ids(agent, path + "?q=fai"));
        Assert.Equal(1, (await agent.Get($"{path}/counts?q=%232")).GetProperty("new").GetInt32());
    }

    [Fact]
    public async Task Russian_and_English_word_forms_find_each_other_in_subjects_and_messages()
    {
        var agent = await cluster.Api().LogInAs();
        var p = await agent.CreateProject();
        var order = await Id(agent.CreateTicket(p, "Где мой заказ?", "anna", new { subject = "Где мой заказ" }));
        var refund = await Id(agent.CreateTicket(p, "Hello", "bob", new { subject = "Question" }));
        await agent.Post($"/v1/helpdesk/tickets/{refund}/customer-reply", new { text = "I asked for two refunds last week" });

        var path = $"/v1/projects/{p}/helpdesk/tickets";
        Assert.Equal([order], await Ids(agent, path + "?q=заказы"));
        Assert.Equal([order], await Ids(agent, path + "?q=заказа"));
        Assert.Equal([refund], await Ids(agent, path + "?q=refund"));
        Assert.Equal([refund], await Ids(agent, path + "?q=refunded"));
    }

    [Fact]
    public async Task A_word_in_one_message_finds_its_ticket_with_that_message_and_an_excerpt_around_the_word()
    {
        var agent = await cluster.Api().LogInAs();
        var p = await agent.CreateProject();
        var ticket = await Id(agent.CreateTicket(p, "The parcel is late", "anna"));
        var message = (await agent.Post($"/v1/helpdesk/tickets/{ticket}/customer-reply",
            new { text = "It arrived at last, but the xylophone inside was broken in two places, please send another one" })).GetProperty("id").GetGuid();
        await agent.Post($"/v1/helpdesk/tickets/{ticket}/customer-reply", new { text = "Any news?" });
        await agent.CreateTicket(p, "Another parcel", "bob");

        var found = (await agent.Get($"/v1/projects/{p}/helpdesk/tickets?q=xylophones")).GetProperty("items");
        Assert.Equal(ticket, Assert.Single(found.EnumerateArray()).GetProperty("id").GetGuid());
        var match = found[0].GetProperty("match");
        Assert.Equal("message", match.GetProperty("field").GetString());
        Assert.Equal(message, match.GetProperty("message_id").GetGuid());
        Assert.Contains("xylophone inside was broken", match.GetProperty("snippet").GetString());
        // Without q, the list has no match.
        Assert.Equal(JsonValueKind.Null, (await agent.Get($"/v1/projects/{p}/helpdesk/tickets")).GetProperty("items")[0].GetProperty("match").ValueKind);
    }

    [Fact]
    public async Task Substrings_of_customer_names_usernames_and_codes_are_found()
    {
        var agent = await cluster.Api().LogInAs();
        var p = await agent.CreateProject();
        var named = await Id(agent.CreateTicket(p, "Hello", "anna", new { customer = new { external_id = "anna", name = "Anastasia Kuznetsova" } }));
        var coded = await Id(agent.CreateTicket(p, "Order ORD-77812 is lost", "bob", new { subject = "Order ORD-77812 is lost" }));

        var path = $"/v1/projects/{p}/helpdesk/tickets";
        var byName = await agent.Get(path + "?q=kuznets");
        Assert.Equal(named, Assert.Single(byName.GetProperty("items").EnumerateArray()).GetProperty("id").GetGuid());
        Assert.Equal("customer", byName.GetProperty("items")[0].GetProperty("match").GetProperty("field").GetString());
        Assert.Equal([coded], await Ids(agent, path + "?q=77812"));
        Assert.Equal([coded], await Ids(agent, path + "?q=D-778"));
    }

    [Fact]
    public async Task Results_come_number_first_then_subject_customer_and_message_each_newest_first_and_page_through_each_once()
    {
        var agent = await cluster.Api().LogInAs();
        var p = await agent.CreateProject();
        var inMessage = await Id(agent.CreateTicket(p, "Hello", "c1"));
        await agent.Post($"/v1/helpdesk/tickets/{inMessage}/customer-reply", new { text = "Where is the courier?" });
        var olderSubject = await Id(agent.CreateTicket(p, "Courier did not come", "c2", new { subject = "Courier did not come" }));
        var byCustomer = await Id(agent.CreateTicket(p, "Hello", "c3", new { customer = new { external_id = "c3", name = "Courier Express" } }));
        var newerSubject = await Id(agent.CreateTicket(p, "Rude courier", "c4", new { subject = "Rude courier" }));
        var inSubjectAndMessage = await Id(agent.CreateTicket(p, "The courier again", "c5", new { subject = "Couriers" }));
        await agent.CreateTicket(p, "Unrelated", "c6");

        var path = $"/v1/projects/{p}/helpdesk/tickets?q=courier";
        Guid[] expected = [inSubjectAndMessage, newerSubject, olderSubject, byCustomer, inMessage];
        Assert.Equal(expected, await Ids(agent, path));
        var places = (await agent.Get(path)).GetProperty("items").EnumerateArray().Select(t => t.GetProperty("match").GetProperty("field").GetString());
        Assert.Equal(["subject", "subject", "subject", "customer", "message"], places);

        // One at a time, the cursor crosses from place to place without losing or repeating a ticket.
        var paged = new List<Guid>();
        string? cursor = null;
        do
        {
            var page = await agent.Get(path + "&limit=1" + (cursor is null ? "" : $"&cursor={cursor}"));
            paged.AddRange(page.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("id").GetGuid()));
            cursor = page.GetProperty("next_cursor").GetString();
        } while (cursor is not null);
        Assert.Equal(expected, paged);

        // The ticket numbered like the digits comes first, then the text matches.
        var number = (await agent.Get($"/v1/helpdesk/tickets/{inMessage}")).GetProperty("number").GetInt64();
        Assert.Equal(inMessage, (await Ids(agent, $"/v1/projects/{p}/helpdesk/tickets?q=%23{number}")).Single());
    }

    [Fact]
    public async Task A_search_in_one_project_never_returns_or_counts_another_projects_tickets()
    {
        var agent = await cluster.Api().LogInAs();
        var mine = await agent.CreateProject();
        var theirs = await agent.CreateProject();
        var own = await Id(agent.CreateTicket(mine, "Refund please", "same-customer", new { subject = "Refund" }));
        foreach (var text in new[] { "Refund please", "Refund now", "Where is my refund" })
            await agent.CreateTicket(theirs, text, "same-customer", new { subject = text });

        foreach (var q in new[] { "refund", "Ivan", "etro", "%231", "%232", "please" })
        {
            var found = await Ids(agent, $"/v1/projects/{mine}/helpdesk/tickets?q={q}");
            Assert.All(found, id => Assert.Equal(own, id));
        }
        Assert.Equal(1, (await agent.Get($"/v1/projects/{mine}/helpdesk/tickets/counts?q=refund")).GetProperty("new").GetInt32());
    }

    [Theory]
    [InlineData("abc%00def")]
    [InlineData("%00%00%00")]
    [InlineData("abc%01")]
    [InlineData("line%0Abreak")]
    public async Task A_q_with_control_characters_or_broken_unicode_is_refused_as_400_not_500(string q)
    {
        var agent = await cluster.Api().LogInAs();
        var p = await agent.CreateProject();
        await agent.CreateTicket(p);
        foreach (var path in new[] { $"/v1/projects/{p}/helpdesk/tickets?q={q}", $"/v1/projects/{p}/helpdesk/tickets/counts?q={q}" })
        {
            var response = await agent.Send(HttpMethod.Get, path);
            Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.OK, $"{path}: {(int)response.StatusCode}");
            if (response.StatusCode != HttpStatusCode.BadRequest) continue;
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty("q", out _), path);
        }
        // Where the edge lets such a q through (the parser is called with it directly), the search refuses it too.
        Assert.Null(Zapnoty.Grains.Tickets.TicketSearch.Parse(Uri.UnescapeDataString(q), out var reason));
        Assert.Contains("control characters", reason);
    }

    [Fact]
    public async Task A_cursor_of_another_kind_is_refused_under_q()
    {
        var agent = await cluster.Api().LogInAs();
        var p = await agent.CreateProject();
        var plainCursor = Convert.ToBase64String("12"u8.ToArray()).TrimEnd('=');
        var refused = await agent.Call(HttpMethod.Get, $"/v1/projects/{p}/helpdesk/tickets?q=refund&cursor={plainCursor}", null, HttpStatusCode.BadRequest);
        Assert.True(refused.GetProperty("errors").TryGetProperty("cursor", out _));
    }

    /// <summary>A search held up (here by a lock, as a huge scan would be) is stopped at the statement timeout and answered, not left running.</summary>
    [Fact]
    public async Task A_search_that_runs_past_the_statement_timeout_is_stopped_and_answered_400_naming_q()
    {
        var agent = await cluster.Api().LogInAs();
        var p = await agent.CreateProject();
        await agent.CreateTicket(p, "Payment failed", "alice");

        await using var connection = await cluster.Database.OpenConnectionAsync();
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await using (var lockCustomers = new Npgsql.NpgsqlCommand("LOCK TABLE customers IN ACCESS EXCLUSIVE MODE", connection, transaction))
                await lockCustomers.ExecuteNonQueryAsync();
            var started = DateTime.UtcNow;
            var list = agent.Call(HttpMethod.Get, $"/v1/projects/{p}/helpdesk/tickets?q=payment", null, HttpStatusCode.BadRequest);
            var counts = agent.Call(HttpMethod.Get, $"/v1/projects/{p}/helpdesk/tickets/counts?q=payment", null, HttpStatusCode.BadRequest);
            foreach (var refused in await Task.WhenAll(list, counts))
                Assert.Contains("took longer than 3 s", refused.GetProperty("errors").GetProperty("q")[0].GetString());
            Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(10));
            await transaction.RollbackAsync();
        }
        Assert.Single((await agent.Get($"/v1/projects/{p}/helpdesk/tickets?q=payment")).GetProperty("items").EnumerateArray());
    }

    private static async Task<Guid> Id(Task<JsonElement> created) => (await created).GetProperty("id").GetGuid();

    private static async Task<List<Guid>> Ids(ApiClient agent, string path) =>
        (await agent.Get(path)).GetProperty("items").EnumerateArray().Select(t => t.GetProperty("id").GetGuid()).ToList();
}
