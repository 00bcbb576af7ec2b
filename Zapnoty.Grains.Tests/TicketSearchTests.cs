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
