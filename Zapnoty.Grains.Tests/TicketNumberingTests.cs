using System.Net;
using Npgsql;
using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Tests.Infrastructure;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class TicketNumberingTests(ClusterFixture cluster)
{
    [Fact]
    public async Task Five_hundred_concurrent_creations_over_both_silos_get_exactly_numbers_1_to_500()
    {
        var owner = await cluster.Api(0).LogInAs();
        var projectId = await owner.CreateProject();
        var key = (await owner.Post($"/v1/projects/{projectId}/api-keys", new { name = "load" })).GetProperty("key").GetString();

        var results = await Task.WhenAll(Enumerable.Range(0, 500).Select(async i =>
        {
            var client = cluster.Api(i % 2).WithToken(key);
            using var response = await client.Send(HttpMethod.Post, $"/v1/projects/{projectId}/helpdesk/tickets",
                new { text = $"Request {i}", customer = new { external_id = $"c{i % 37}" } });
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            return System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("number").GetInt64();
        }));

        Assert.Equal(Enumerable.Range(1, 500).Select(n => (long)n), results.Order());
        Assert.Equal(Enumerable.Range(1, 500).Select(n => (long)n), await StoredNumbers(projectId));
        Assert.Equal(501L, await Scalar<long>("SELECT next_ticket_number FROM projects WHERE id = $1", projectId));
    }

    /// <summary>
    /// The SQL itself must hold even when two writers race for one project (two activations
    /// during a failover, two silos): groups of creations from many connections at once.
    /// </summary>
    [Fact]
    public async Task Numbering_sql_is_gapless_and_unique_when_many_transactions_race_for_one_project()
    {
        var owner = await cluster.Api().LogInAs();
        var projectId = await owner.CreateProject();
        var store = new TicketCreationStore(cluster.Database);
        var now = DateTimeOffset.UtcNow;

        await Task.WhenAll(Enumerable.Range(0, 40).Select(async writer =>
        {
            for (var round = 0; round < 5; round++)
            {
                var group = Enumerable.Range(0, 1 + (writer + round) % 4).Select(i => new PreparedTicket(
                    Guid.NewGuid(),
                    new NewTicket(Channel.Api, new CustomerIdentity($"w{writer}", null, null, null), "text", null, null, null, Actor.System),
                    "subject", TicketPriority.Normal, null, now, null, null, Guid.NewGuid(), Guid.NewGuid())).ToList();
                await store.Insert(projectId, group, [], CancellationToken.None);
            }
        }));

        var expected = Enumerable.Range(0, 40).Sum(w => Enumerable.Range(0, 5).Sum(r => 1 + (w + r) % 4));
        Assert.Equal(Enumerable.Range(1, expected).Select(n => (long)n), await StoredNumbers(projectId));
    }

    [Fact]
    public async Task Numbers_are_per_project()
    {
        var owner = await cluster.Api().LogInAs();
        var first = await owner.CreateProject();
        var second = await owner.CreateProject();

        await owner.CreateTicket(first);
        await owner.CreateTicket(first);
        var other = await owner.CreateTicket(second);

        Assert.Equal(1, other.GetProperty("number").GetInt64());
    }

    [Fact]
    public async Task A_refused_creation_uses_no_number()
    {
        var owner = await cluster.Api().LogInAs();
        var projectId = await owner.CreateProject();
        await owner.CreateTicket(projectId);
        await owner.Call(HttpMethod.Post, $"/v1/projects/{projectId}/helpdesk/tickets",
            new { text = "x", customer = new { external_id = "c" }, type_id = Guid.NewGuid() }, HttpStatusCode.BadRequest);

        var next = await owner.CreateTicket(projectId);
        Assert.Equal(2, next.GetProperty("number").GetInt64());
    }

    private async Task<List<long>> StoredNumbers(Guid projectId)
    {
        await using var command = cluster.Database.CreateCommand("SELECT number FROM tickets WHERE project_id = $1 ORDER BY number");
        command.Parameters.Add(new NpgsqlParameter { Value = projectId });
        var numbers = new List<long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) numbers.Add(reader.GetInt64(0));
        return numbers;
    }

    private async Task<T> Scalar<T>(string sql, Guid id)
    {
        await using var command = cluster.Database.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
