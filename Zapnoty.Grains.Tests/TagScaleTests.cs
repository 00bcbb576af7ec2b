using Npgsql;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

/// <summary>The tag filter and the customer search in a big project: each walks its own index, never the whole project.</summary>
[Collection(ClusterCollection.Name)]
public sealed class TagScaleTests(ClusterFixture cluster)
{
    private async Task<IReadOnlyList<string>> Plan(string sql, params object[] values)
    {
        await using var explain = cluster.Database.CreateCommand("EXPLAIN " + sql);
        foreach (var value in values) explain.Parameters.Add(new NpgsqlParameter { Value = value });
        var plan = new List<string>();
        await using var reader = await explain.ExecuteReaderAsync();
        while (await reader.ReadAsync()) plan.Add(reader.GetString(0));
        return plan;
    }

    private async Task Run(string sql, params object[] values)
    {
        await using var command = cluster.Database.CreateCommand(sql);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task In_a_big_project_the_tag_filter_and_the_customer_search_are_served_by_their_indexes()
    {
        var owner = await cluster.Api().LogInAs();
        var projectId = await owner.CreateProject();
        var ticket = await owner.CreateTicket(projectId);
        var customerId = ticket.GetProperty("customer").GetProperty("id").GetGuid();
        var rare = (await owner.Post($"/v1/projects/{projectId}/tags", new { name = "Rare" })).GetProperty("id").GetGuid();
        var common = (await owner.Post($"/v1/projects/{projectId}/tags", new { name = "Common" })).GetProperty("id").GetGuid();

        // 20,000 tickets: every other one tagged Common, 5 tagged Rare; 20,000 customers.
        await Run("""
            INSERT INTO tickets (id, project_id, number, subject, status, priority, channel, customer_id, created_at, updated_at)
            SELECT gen_random_uuid(), $1, 1000 + n, 'bulk', 'in_progress', 'normal', 'api', $2, now(), now()
              FROM generate_series(1, 20000) AS n
            """, projectId, customerId);
        await Run("""
            INSERT INTO ticket_tags (ticket_id, tag_id, ticket_number)
            SELECT id, $2, number FROM tickets WHERE project_id = $1 AND number > 1000 AND number % 2 = 0
            UNION ALL SELECT id, $3, number FROM tickets WHERE project_id = $1 AND number > 1000 AND number % 4000 = 1
            """, projectId, common, rare);
        await Run("""
            INSERT INTO customers (id, project_id, channel, external_id, name, username, created_at)
            SELECT gen_random_uuid(), $1, 'telegram', (7000000 + n)::text, 'Customer ' || n, 'user_' || n, now()
              FROM generate_series(1, 20000) AS n
            """, projectId);
        await Run("ANALYZE tickets; ANALYZE ticket_tags; ANALYZE customers");

        // The list's condition (TicketList.Where) under the list's order and limit.
        foreach (var tag in new[] { rare, common })
        {
            var plan = await Plan("""
                SELECT t.id FROM tickets t WHERE t.project_id = $1
                   AND t.number IN (SELECT x.ticket_number FROM ticket_tags x WHERE x.tag_id = $2)
                 ORDER BY t.number DESC LIMIT 51
                """, projectId, tag);
            Assert.DoesNotContain(plan, line => line.Contains("Seq Scan"));
        }
        Assert.Contains(await Plan("""
            SELECT t.id FROM tickets t WHERE t.project_id = $1
               AND t.number IN (SELECT x.ticket_number FROM ticket_tags x WHERE x.tag_id = $2)
             ORDER BY t.number DESC LIMIT 51
            """, projectId, rare), line => line.Contains("ticket_tags_tag"));

        var list = $"/v1/projects/{projectId}/helpdesk/tickets";
        Assert.Equal(5, (await owner.Get($"{list}?tag_id={rare}")).GetProperty("items").GetArrayLength());
        var page = await owner.Get($"{list}?tag_id={common}&limit=3");
        Assert.Equal([21000L, 20998L, 20996L], page.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("number").GetInt64()));

        Assert.Contains(await Plan($"""
            SELECT c.id FROM customers c WHERE c.project_id = $1 AND {Customers.CustomerDirectory.SearchedText} ILIKE $2
             ORDER BY c.created_at DESC, c.id DESC LIMIT 51
            """, projectId, "%user_12345%"), line => line.Contains("customers_search_trgm"));
        Assert.Equal(["Customer 12345"], (await owner.Get($"/v1/projects/{projectId}/customers?q=user_12345")).GetProperty("items")
            .EnumerateArray().Select(c => c.GetProperty("name").GetString()));
    }
}
