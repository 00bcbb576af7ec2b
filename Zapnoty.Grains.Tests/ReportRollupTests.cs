using System.Collections.Concurrent;
using System.Text.Json;
using Zapnoty.Grains.Reports;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// The report rollups (migrations 0030 and 0033) are maintained by triggers in the transaction of every
/// change, so whatever races, they equal a recount from the raw tables; folding them changes no sum.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ReportRollupTests(ClusterFixture cluster)
{
    private static readonly string[] Statuses = ["new", "in_progress", "waiting", "closed"];
    private static readonly string[] Priorities = ["low", "normal", "high", "urgent"];

    [Fact]
    public async Task Rollups_equal_a_recount_after_replies_notes_tags_merges_ratings_and_changes_race_on_two_silos()
    {
        var onA = await cluster.Api(0).LogInAs();
        var onB = cluster.Api(1).WithToken(onA.Token);
        var me = (await onA.Get("/v1/auth/me")).GetProperty("id").GetGuid();
        var p = await onA.CreateProject();
        var types = new List<Guid>();
        foreach (var name in new[] { "Bug", "Question" })
            types.Add((await onA.Post($"/v1/projects/{p}/helpdesk/ticket-types", new { name })).GetProperty("id").GetGuid());
        var tags = new List<Guid>();
        foreach (var name in new[] { "vip", "refund", "bug" })
            tags.Add((await onA.Post($"/v1/projects/{p}/tags", new { name })).GetProperty("id").GetGuid());
        // Surveys go out on every close, and ratings race the other changes.
        await onA.Call(HttpMethod.Put, $"/v1/projects/{p}/helpdesk/csat", new { enabled = true }, System.Net.HttpStatusCode.OK);
        var tickets = new ConcurrentQueue<Guid>();
        for (var i = 0; i < 6; i++) tickets.Enqueue(await Id(onA.CreateTicket(p, $"seed {i}", $"customer-{i % 3}")));

        // One ticket goes through every fact first, so each metric is in the rollups whatever the race below leaves.
        var first = $"/v1/helpdesk/tickets/{tickets.First()}";
        await onA.Post($"{first}/replies", new { text = "first reply" });
        await onA.Post($"{first}/notes", new { text = "a note" });
        await onA.Post($"{first}/customer-reply", new { text = "and one more thing" });
        await onA.Patch(first, new { assignee_id = me });
        await onA.Patch(first, new { status = "closed" });
        await onA.Call(HttpMethod.Post, $"{first}/csat", new { score = 5, comment = "thanks" }, System.Net.HttpStatusCode.OK);
        await onA.Patch(first, new { status = "in_progress" });

        var done = 0;
        async Task Load(ApiClient agent, int seed)
        {
            var random = new Random(seed);
            for (var i = 0; i < 50; i++)
            {
                if (random.Next(6) == 0)
                {
                    tickets.Enqueue(await Id(agent.CreateTicket(p, $"load {seed}-{i}", $"customer-{random.Next(3)}")));
                    continue;
                }
                var ticket = tickets.ElementAt(random.Next(tickets.Count));
                var path = $"/v1/helpdesk/tickets/{ticket}";
                using var response = random.Next(10) switch
                {
                    0 => await agent.Send(HttpMethod.Post, $"{path}/replies", new { text = $"reply {seed}-{i}" }),
                    1 => await agent.Send(HttpMethod.Post, $"{path}/notes", new { text = $"note {seed}-{i}" }),
                    2 => await agent.Send(HttpMethod.Post, $"{path}/customer-reply", new { text = $"more {seed}-{i}" }),
                    3 => await agent.Send(HttpMethod.Put, $"{path}/tags", new { tag_ids = tags.Where(_ => random.Next(2) == 0).ToArray() }),
                    4 => await agent.Send(HttpMethod.Patch, path, new { priority = Priorities[random.Next(Priorities.Length)] }),
                    5 => await agent.Send(HttpMethod.Patch, path, new { type_id = random.Next(3) == 0 ? (Guid?)null : types[random.Next(types.Count)] }),
                    6 => await agent.Send(HttpMethod.Patch, path, new { assignee_id = random.Next(2) == 0 ? me : (Guid?)null }),
                    7 => await agent.Send(HttpMethod.Post, $"{path}/merge", new { into_ticket_id = tickets.ElementAt(random.Next(tickets.Count)) }),
                    8 => await agent.Send(HttpMethod.Post, $"{path}/csat", new { score = 1 + random.Next(5) }),
                    _ => await agent.Send(HttpMethod.Patch, path, new { status = Statuses[random.Next(Statuses.Length)] }),
                };
                if (response.IsSuccessStatusCode) Interlocked.Increment(ref done);
            }
        }
        await Task.WhenAll(Load(onA, 1), Load(onA, 2), Load(onB, 3), Load(onB, 4));

        Assert.True(done > 100, $"only {done} changes went through");
        var keys = await ReportRecount.AssertRollupsEqualRecount(cluster.Database, p);
        Assert.True(keys > 50, $"the history left only {keys} rollup keys");
        foreach (var metric in new[] { "created", "closed", "reopened", "reply", "note", "customer_message", "assigned", "credit", "first_response",
                     "first_response_business", "resolution_business", "csat_5", "csat_comment" })
            Assert.Contains((await ReportRecount.Rollups(cluster.Database, p)), line => line.Contains($" {metric} "));

        // Folding replaces the piled-up rows by one per key and leaves every sum as it was.
        await new ReportStore(cluster.Database).Fold(p, CancellationToken.None);
        await ReportRecount.AssertRollupsEqualRecount(cluster.Database, p);
        await ReportRecount.AssertDaysEqualFoldedHours(cluster.Database, p);
        await using var unfolded = cluster.Database.CreateCommand("SELECT count(*) FROM report_rollups WHERE project_id = $1 AND NOT folded");
        unfolded.Parameters.Add(new Npgsql.NpgsqlParameter { Value = p });
        Assert.Equal(0L, (long)(await unfolded.ExecuteScalarAsync())!);
    }

    private static async Task<Guid> Id(Task<JsonElement> ticket) => (await ticket).GetProperty("id").GetGuid();
}
