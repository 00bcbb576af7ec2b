using System.Collections.Concurrent;
using System.Text.Json;
using Npgsql;
using Zapnoty.Grains.Tests.Infrastructure;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// The status tabs' counts come from counters maintained with every change (migration 0017) and
/// from the index of open tickets, so they stay exact and cheap however long a project's history.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class TicketCountTests(ClusterFixture cluster)
{
    private static readonly string[] Statuses = ["new", "in_progress", "waiting", "closed"];

    [Fact]
    public async Task Counters_equal_a_recount_after_creations_and_status_and_assignee_changes_race_on_two_silos()
    {
        var onA = await cluster.Api(0).LogInAs();
        var onB = cluster.Api(1).WithToken(onA.Token);
        var me = (await onA.Get("/v1/auth/me")).GetProperty("id").GetGuid();
        var p = await onA.CreateProject();
        var tickets = new ConcurrentQueue<Guid>();
        for (var i = 0; i < 6; i++) tickets.Enqueue(await Id(onA.CreateTicket(p, $"seed {i}")));

        var changed = 0;
        async Task Load(ApiClient agent, int seed)
        {
            var random = new Random(seed);
            for (var i = 0; i < 60; i++)
            {
                if (random.Next(5) == 0)
                {
                    tickets.Enqueue(await Id(agent.CreateTicket(p, $"load {seed}-{i}", $"customer-{random.Next(4)}")));
                    continue;
                }
                var ticket = tickets.ElementAt(random.Next(tickets.Count));
                object change = random.Next(2) == 0
                    ? new { status = Statuses[random.Next(Statuses.Length)] }
                    : new { assignee_id = random.Next(2) == 0 ? me : (Guid?)null };
                using var response = await agent.Send(HttpMethod.Patch, $"/v1/helpdesk/tickets/{ticket}", change);
                if (response.IsSuccessStatusCode) Interlocked.Increment(ref changed);
            }
        }
        await Task.WhenAll(Load(onA, 1), Load(onA, 2), Load(onB, 3), Load(onB, 4));

        Assert.True(changed > 150, $"only {changed} changes went through");
        Assert.Equal(tickets.Count, await TicketRecount.AssertCountersEqualRecount(cluster.Database, p));
        // The read folds the rows the changes piled up, and still answers the recount.
        var counts = await onB.Get($"/v1/projects/{p}/helpdesk/tickets/counts");
        Assert.Equal(await StatusRecount(p), Statuses.Select(s => counts.GetProperty(s).GetInt32()).ToList());
        await TicketRecount.AssertCountersEqualRecount(cluster.Database, p);
        Assert.True(await CounterRows(p) <= 8, "the counter rows were not folded");
    }

    [Fact]
    public async Task Open_tickets_per_assignee_mine_and_unassigned_are_counted_and_the_assignee_and_overdue_filters_apply()
    {
        var agent = await cluster.Api().LogInAs();
        var me = (await agent.Get("/v1/auth/me")).GetProperty("id").GetGuid();
        var p = await agent.CreateProject();
        var mine = new List<Guid>();
        for (var i = 0; i < 3; i++) mine.Add(await Id(agent.CreateTicket(p, $"mine {i}")));
        var nobodys = await Id(agent.CreateTicket(p, "nobody's"));
        foreach (var t in mine) await agent.Patch($"/v1/helpdesk/tickets/{t}", new { assignee_id = me });
        await agent.Patch($"/v1/helpdesk/tickets/{mine[0]}", new { status = "closed" });
        await agent.Patch($"/v1/helpdesk/tickets/{mine[1]}", new { status = "waiting" });
        // One of mine and the unassigned one are past their resolution target.
        await SetResolveDue(DateTimeOffset.UtcNow.AddHours(-1), mine[1], nobodys);

        var path = $"/v1/projects/{p}/helpdesk/tickets/counts";
        var all = await agent.Get(path);
        Assert.Equal((2, 0, 1, 1, 2), Counts(all));
        Assert.Equal([(me, 2)], Assignees(all));
        Assert.Equal(1, all.GetProperty("unassigned").GetInt32());
        Assert.Equal(2, all.GetProperty("mine").GetInt32());
        Assert.Empty(all.GetProperty("capped").EnumerateArray());

        Assert.Equal((1, 0, 1, 1, 1), Counts(await agent.Get(path + "?assignee_id=me")));
        Assert.Equal((1, 0, 0, 0, 1), Counts(await agent.Get(path + "?assignee_id=none")));
        Assert.Equal((1, 0, 1, 0, 2), Counts(await agent.Get(path + "?overdue=true")));
        Assert.Equal((0, 0, 1, 0, 1), Counts(await agent.Get($"{path}?overdue=true&assignee_id={me}")));
    }

    [Fact]
    public async Task At_20000_closed_tickets_the_counts_read_counters_and_open_tickets_only()
    {
        var (agent, p) = await ProjectWithHistory(closed: 20_000, open: 30, overdue: 10);

        var counts = await agent.Get($"/v1/projects/{p}/helpdesk/tickets/counts");
        Assert.Equal((31, 0, 0, 20_000, 10), Counts(counts));

        foreach (var (sql, values, ticketScans) in new (string, object[], int)[]
                 {
                     (TicketCountRows.Read, [p], 0),
                     (TicketCountRows.UnrecordedOverduePerStatus(""), [p, DateTimeOffset.UtcNow], 1),
                 })
        {
            await using var explain = cluster.Database.CreateCommand("EXPLAIN (ANALYZE, FORMAT JSON) " + sql);
            foreach (var value in values) explain.Parameters.Add(new NpgsqlParameter { Value = value });
            var plan = JsonDocument.Parse((string)(await explain.ExecuteScalarAsync())!).RootElement[0].GetProperty("Plan");
            var scans = Nodes(plan).Where(n => n.TryGetProperty("Relation Name", out var r) && r.GetString() == "tickets").ToList();
            Assert.Equal(ticketScans, scans.Count);
            foreach (var node in scans)
            {
                // Only the index of open tickets without a recorded breach, and within it only the overdue ones.
                Assert.Equal("Index Only Scan", node.GetProperty("Node Type").GetString());
                Assert.Equal("tickets_open_unrecorded_overdue_at", node.GetProperty("Index Name").GetString());
                Assert.True(node.GetProperty("Actual Rows").GetDouble() <= 10, plan.ToString());
            }
        }
    }

    [Fact]
    public async Task Overdue_tickets_whose_breach_is_recorded_are_counted_by_the_counters_without_reading_them()
    {
        var (agent, p) = await ProjectWithHistory(closed: 100, open: 2_000, overdue: 1_500);
        // What the reminders and the sweeper do within a reminder period of each due time.
        await using (var record = cluster.Database.CreateCommand(
                         "UPDATE tickets SET resolve_breached_at = coalesce(resolve_breached_at, resolve_due_at) WHERE project_id = $1 AND closed_at IS NULL AND resolve_due_at < now()"))
        {
            record.Parameters.Add(new NpgsqlParameter { Value = p });
            Assert.Equal(1_500, await record.ExecuteNonQueryAsync());
        }
        await using (var analyze = cluster.Database.CreateCommand("VACUUM ANALYZE tickets")) await analyze.ExecuteNonQueryAsync();
        // One more falls due, its breach not recorded yet.
        var lateTicket = await agent.CreateTicket(p, "late");
        var late = lateTicket.GetProperty("id").GetGuid();
        await SetResolveDue(DateTimeOffset.UtcNow.AddMinutes(-1), late);

        var path = $"/v1/projects/{p}/helpdesk/tickets/counts";
        Assert.Equal((2_002, 0, 0, 100, 1_501), Counts(await agent.Get(path)));
        Assert.Equal((1_501, 0, 0, 0, 1_501), Counts(await agent.Get(path + "?overdue=true")));
        await TicketRecount.AssertCountersEqualRecount(cluster.Database, p);
        // The list's overdue filter holds the same tickets: the late one (past due), not the one created on time.
        var onTime = await agent.CreateTicket(p, "on time");
        string Overdue(JsonElement ticket) => $"/v1/projects/{p}/helpdesk/tickets?overdue=true&q=%23{ticket.GetProperty("number").GetInt64()}";
        Assert.Equal(late, Assert.Single((await agent.Get(Overdue(lateTicket))).GetProperty("items").EnumerateArray()).GetProperty("id").GetGuid());
        Assert.Empty((await agent.Get(Overdue(onTime))).GetProperty("items").EnumerateArray());

        await using var explain = cluster.Database.CreateCommand("EXPLAIN (ANALYZE, FORMAT JSON) " + TicketCountRows.UnrecordedOverduePerStatus(""));
        explain.Parameters.Add(new NpgsqlParameter { Value = p });
        explain.Parameters.Add(new NpgsqlParameter { Value = DateTimeOffset.UtcNow });
        var plan = JsonDocument.Parse((string)(await explain.ExecuteScalarAsync())!).RootElement[0].GetProperty("Plan");
        var scan = Assert.Single(Nodes(plan), n => n.TryGetProperty("Relation Name", out var r) && r.GetString() == "tickets");
        Assert.NotEqual("Seq Scan", scan.GetProperty("Node Type").GetString());
        Assert.Equal(["tickets_open_unrecorded_overdue_at"],
            Nodes(plan).Where(n => n.TryGetProperty("Index Name", out _)).Select(n => n.GetProperty("Index Name").GetString()).Distinct());
        // The 1,500 recorded breaches are not in the index: only the late one is read (none once the sweeper recorded it).
        Assert.True(scan.GetProperty("Actual Rows").GetDouble() <= 1, plan.ToString());

        // Closing lets a breach go, recorded or not, and the counters follow.
        await agent.Patch($"/v1/helpdesk/tickets/{late}", new { status = "closed" });
        Assert.Equal((2_002, 0, 0, 101, 1_500), Counts(await agent.Get(path)));
        await TicketRecount.AssertCountersEqualRecount(cluster.Database, p);
    }

    [Fact]
    public async Task A_count_under_another_filter_stops_at_1000_and_names_the_figures_that_did()
    {
        var (agent, p) = await ProjectWithHistory(closed: 20_000, open: 30, overdue: 10);

        var counts = await agent.Get($"/v1/projects/{p}/helpdesk/tickets/counts?priority=normal");
        Assert.Equal((31, 0, 0, 1000, 10), Counts(counts));
        Assert.Equal(["closed"], counts.GetProperty("capped").EnumerateArray().Select(c => c.GetString()));
        // Below the cap a filtered count is exact.
        var urgent = await agent.Get($"/v1/projects/{p}/helpdesk/tickets/counts?priority=urgent");
        Assert.Equal((0, 0, 0, 0, 0), Counts(urgent));
        Assert.Empty(urgent.GetProperty("capped").EnumerateArray());
    }

    /// <summary>A project with one ticket made through the API and the rest written by SQL, as a long-lived desk has.</summary>
    private async Task<(ApiClient Agent, Guid ProjectId)> ProjectWithHistory(int closed, int open, int overdue)
    {
        var agent = await cluster.Api().LogInAs();
        var p = await agent.CreateProject();
        var customer = (await agent.CreateTicket(p)).GetProperty("customer").GetProperty("id").GetGuid();
        await using (var fill = cluster.Database.CreateCommand("""
            INSERT INTO tickets (id, project_id, number, subject, status, priority, channel, customer_id, created_at, updated_at,
                                 first_reply_at, closed_at, resolve_due_at)
            SELECT gen_random_uuid(), $1, 1000 + n, 'history', CASE WHEN n <= $3 THEN 'closed' ELSE 'new' END, 'normal', 'api', $2,
                   now() - interval '1 day', now(), now() - interval '20 hours', CASE WHEN n <= $3 THEN now() - interval '10 hours' END,
                   CASE WHEN n > $3 + $4 - $5 THEN now() - interval '1 hour' ELSE now() + interval '1 day' END
              FROM generate_series(1, $3 + $4) AS n
            """))
        {
            foreach (var value in new object[] { p, customer, closed, open, overdue }) fill.Parameters.Add(new NpgsqlParameter { Value = value });
            await fill.ExecuteNonQueryAsync();
        }
        await using (var analyze = cluster.Database.CreateCommand("VACUUM ANALYZE tickets")) await analyze.ExecuteNonQueryAsync();
        return (agent, p);
    }

    private async Task SetResolveDue(DateTimeOffset due, params Guid[] ticketIds)
    {
        await using var command = cluster.Database.CreateCommand("UPDATE tickets SET resolve_due_at = $1 WHERE id = ANY($2)");
        command.Parameters.Add(new NpgsqlParameter { Value = due });
        command.Parameters.Add(new NpgsqlParameter { Value = ticketIds });
        await command.ExecuteNonQueryAsync();
    }

    private async Task<List<int>> StatusRecount(Guid projectId)
    {
        await using var command = cluster.Database.CreateCommand("SELECT status, count(*) FROM tickets WHERE project_id = $1 GROUP BY status");
        command.Parameters.Add(new NpgsqlParameter { Value = projectId });
        var byStatus = new Dictionary<string, int>();
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync()) byStatus[reader.GetString(0)] = (int)reader.GetInt64(1);
        return Statuses.Select(s => byStatus.GetValueOrDefault(s)).ToList();
    }

    private async Task<long> CounterRows(Guid projectId)
    {
        await using var command = cluster.Database.CreateCommand("SELECT count(*) FROM ticket_counts WHERE project_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = projectId });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static IEnumerable<JsonElement> Nodes(JsonElement node) =>
        node.TryGetProperty("Plans", out var children) ? children.EnumerateArray().SelectMany(Nodes).Prepend(node) : [node];

    private static (int New, int InProgress, int Waiting, int Closed, int Overdue) Counts(JsonElement c) =>
        (c.GetProperty("new").GetInt32(), c.GetProperty("in_progress").GetInt32(), c.GetProperty("waiting").GetInt32(),
         c.GetProperty("closed").GetInt32(), c.GetProperty("overdue").GetInt32());

    private static List<(Guid, int)> Assignees(JsonElement c) =>
        c.GetProperty("assignees").EnumerateArray().Select(a => (a.GetProperty("assignee_id").GetGuid(), a.GetProperty("open").GetInt32())).ToList();

    private static async Task<Guid> Id(Task<JsonElement> ticket) => (await ticket).GetProperty("id").GetGuid();
}
