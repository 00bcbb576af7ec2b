using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.TestingHost;
using Zapnoty.Grains.Tests.Infrastructure;
using static Zapnoty.Grains.Tests.Infrastructure.Poll;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Tests;

/// <summary>SLA targets: due times at creation, overdue flags and filter, breaches recorded exactly once by reminders.</summary>
[Collection(ClusterCollection.Name)]
public sealed class SlaTests(ClusterFixture cluster) : IAsyncLifetime
{
    // 0.0005 h = 1.8 s: a target that falls due while the test watches.
    private const double Soon = 0.0005;
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.Start();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task A_missed_first_reply_is_recorded_once_with_one_event_however_often_the_reminder_fires()
    {
        var (agent, projectId) = await Project(firstReply: Soon, resolve: 100);
        await agent.Post($"/v1/projects/{projectId}/webhooks", new { url = _receiver.Url(), events = new[] { "ticket.sla_breached" } });
        var ticket = await agent.CreateTicket(projectId);
        var ticketId = ticket.GetProperty("id").GetGuid();
        Assert.False(ticket.GetProperty("sla").GetProperty("first_reply_overdue").GetBoolean());

        await Eventually(async () => Breaches(await agent.Get($"/v1/helpdesk/tickets/{ticketId}")).Count == 1);
        var breach = (await _receiver.WaitFor(r => r.Count == 1))[0];
        Assert.Equal("ticket.sla_breached", breach.Type);
        Assert.Equal("first_reply", breach.Data.GetProperty("breach").GetString());
        Assert.True(breach.Data.GetProperty("ticket").GetProperty("sla").GetProperty("first_reply_overdue").GetBoolean());

        // Late, repeated and concurrent ticks find it recorded.
        var grain = cluster.Grains.GetGrain<ITicketGrain>(ticketId);
        await Task.WhenAll(grain.CheckSla(), grain.ReceiveReminder(TicketGrain.SlaReminder, default), cluster.Grains.GetGrain<ITicketGrain>(ticketId).CheckSla());
        await Task.Delay(2500);
        var details = await agent.Get($"/v1/helpdesk/tickets/{ticketId}");
        Assert.Equal(["first_reply"], Breaches(details));
        Assert.Single(_receiver.Received);
        Assert.True(details.GetProperty("sla").GetProperty("first_reply_overdue").GetBoolean());
        Assert.False(details.GetProperty("sla").GetProperty("resolve_overdue").GetBoolean());

        // The reply meets the target late: the flag clears; the breach stays in the history.
        await agent.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = "Sorry for the wait" });
        var answered = await agent.Get($"/v1/helpdesk/tickets/{ticketId}");
        Assert.False(answered.GetProperty("sla").GetProperty("first_reply_overdue").GetBoolean());
        Assert.Equal(["first_reply"], Breaches(answered));
    }

    [Fact]
    public async Task Overdue_flags_and_the_filter_follow_the_stored_due_times()
    {
        var (agent, projectId) = await Project(firstReply: Soon, resolve: Soon);
        var late = (await agent.CreateTicket(projectId, "late")).GetProperty("id").GetGuid();
        var answered = (await agent.CreateTicket(projectId, "answered")).GetProperty("id").GetGuid();
        var closed = (await agent.CreateTicket(projectId, "closed")).GetProperty("id").GetGuid();
        await agent.Patch($"/v1/projects/{projectId}/helpdesk/settings", new { sla_first_reply_hours = (double?)null, sla_resolve_hours = (double?)null });
        var untimed = (await agent.CreateTicket(projectId, "no sla")).GetProperty("id").GetGuid();
        await agent.Post($"/v1/helpdesk/tickets/{answered}/replies", new { text = "On it" });
        await agent.Patch($"/v1/helpdesk/tickets/{closed}", new { status = "closed" });

        await Task.Delay(TimeSpan.FromHours(Soon) + TimeSpan.FromMilliseconds(300));
        var overdue = (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets?overdue=true")).GetProperty("items").EnumerateArray()
            .Select(t => t.GetProperty("id").GetGuid()).Order().ToList();
        Assert.Equal(new[] { late, answered }.Order(), overdue);
        Assert.Equal(2, (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets/counts")).GetProperty("overdue").GetInt32());

        var sla = (await agent.Get($"/v1/helpdesk/tickets/{answered}")).GetProperty("sla");
        Assert.False(sla.GetProperty("first_reply_overdue").GetBoolean());
        Assert.True(sla.GetProperty("resolve_overdue").GetBoolean());
        var none = (await agent.Get($"/v1/helpdesk/tickets/{untimed}")).GetProperty("sla");
        Assert.Equal(JsonValueKind.Null, none.GetProperty("first_reply_due_at").ValueKind);
        Assert.False(none.GetProperty("resolve_overdue").GetBoolean());

    }

    [Fact]
    public async Task In_a_big_project_the_overdue_filter_is_served_by_the_partial_indexes()
    {
        var (agent, projectId) = await Project(firstReply: 1, resolve: 24);
        var ticket = await agent.CreateTicket(projectId);

        // 20,000 open tickets on time and a handful overdue, as a busy desk would have.
        await using (var fill = cluster.Database.CreateCommand("""
            INSERT INTO tickets (id, project_id, number, subject, status, priority, channel, customer_id, created_at, updated_at,
                                 first_reply_due_at, resolve_due_at, first_reply_at)
            SELECT gen_random_uuid(), $1, 1000 + n, 'bulk', 'in_progress', 'normal', 'api', $2, now(), now(),
                   CASE WHEN n % 5000 = 1 THEN now() - interval '1 hour' ELSE now() + interval '1 hour' END,
                   now() + interval '1 day', CASE WHEN n % 2 = 0 THEN now() END
              FROM generate_series(1, 20000) AS n
            """))
        {
            fill.Parameters.Add(new NpgsqlParameter { Value = projectId });
            fill.Parameters.Add(new NpgsqlParameter { Value = ticket.GetProperty("customer").GetProperty("id").GetGuid() });
            await fill.ExecuteNonQueryAsync();
        }
        await using (var analyze = cluster.Database.CreateCommand("ANALYZE tickets")) await analyze.ExecuteNonQueryAsync();

        await using var explain = cluster.Database.CreateCommand("""
            EXPLAIN SELECT id FROM tickets t WHERE t.project_id = $1
               AND ((t.first_reply_at IS NULL AND t.closed_at IS NULL AND t.first_reply_due_at < now())
                    OR (t.closed_at IS NULL AND t.resolve_due_at < now()))
            """);
        explain.Parameters.Add(new NpgsqlParameter { Value = projectId });
        var plan = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync())
            while (await reader.ReadAsync()) plan.Add(reader.GetString(0));
        Assert.True(plan.Any(line => line.Contains("tickets_first_reply_due")) && plan.Any(line => line.Contains("tickets_resolve_due")),
            string.Join("\n", plan));
        Assert.Equal(4, (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets?overdue=true")).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task A_ticket_holds_one_reminder_while_a_target_is_open_and_none_once_met_or_closed()
    {
        var (agent, projectId) = await Project(firstReply: 1, resolve: 2);
        var ticketId = (await agent.CreateTicket(projectId)).GetProperty("id").GetGuid();
        // A target hours away: its reminder row committed with the ticket, before the answer.
        Assert.Equal(1, await ReminderCount(ticketId));

        await agent.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = "Hello" });
        Assert.Equal(1, await ReminderCount(ticketId));   // now for the resolution target

        await agent.Patch($"/v1/helpdesk/tickets/{ticketId}", new { status = "closed" });
        Assert.Equal(0, await ReminderCount(ticketId));

        // Reopened by an agent: resolution is due again, counted from the reopening.
        var reopenedAt = DateTime.UtcNow;
        var reopened = await agent.Patch($"/v1/helpdesk/tickets/{ticketId}", new { status = "in_progress" });
        var due = reopened.GetProperty("sla").GetProperty("resolve_due_at").GetDateTime();
        Assert.InRange(due - reopenedAt, TimeSpan.FromHours(2) - TimeSpan.FromSeconds(30), TimeSpan.FromHours(2) + TimeSpan.FromSeconds(30));
        Assert.Equal(1, await ReminderCount(ticketId));
    }

    [Fact]
    public async Task A_reminder_row_written_with_the_ticket_is_one_Orleans_reads_as_its_own()
    {
        var (agent, projectId) = await Project(firstReply: 1, resolve: 2);
        var ticket = await agent.CreateTicket(projectId);
        var ticketId = ticket.GetProperty("id").GetGuid();
        var due = ticket.GetProperty("sla").GetProperty("first_reply_due_at").GetDateTime().ToUniversalTime();
        var grainId = cluster.Grains.GetGrain<ITicketGrain>(ticketId).GetGrainId();
        var table = ((InProcessSiloHandle)cluster.Cluster.Silos[0]).SiloHost.Services.GetRequiredService<IReminderTable>();

        // Read back through Orleans' own provider: by grain, and by the hash range a silo refreshes.
        var entry = await table.ReadRow(grainId, TicketGrain.SlaReminder);
        Assert.NotNull(entry);
        Assert.InRange(entry.StartAt, due.AddMilliseconds(-1), due.AddMilliseconds(1));   // the column keeps milliseconds
        Assert.Equal(TimeSpan.FromSeconds(2), entry.Period);
        var hash = grainId.GetUniformHashCode();
        var range = await table.ReadRows(hash - 1, hash);
        Assert.Contains(range.Reminders, r => r.GrainId == grainId && r.ReminderName == TicketGrain.SlaReminder && r.ETag == entry.ETag);

        // The ticket grain moves it like any reminder it registered itself.
        await agent.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = "Hello" });
        var moved = await table.ReadRow(grainId, TicketGrain.SlaReminder);
        Assert.NotNull(moved);
        Assert.NotEqual(entry.ETag, moved.ETag);
        Assert.True(moved.StartAt > entry.StartAt);
    }

    [Fact]
    public async Task Every_ticket_of_a_group_commit_gets_its_reminder_row_with_it()
    {
        var (agent, projectId) = await Project(firstReply: 1, resolve: 2);
        // Concurrent creations on one project share transactions (group commit).
        var ids = (await Task.WhenAll(Enumerable.Range(0, 60).Select(i => agent.CreateTicket(projectId, $"burst {i}"))))
            .Select(t => t.GetProperty("id").GetGuid().ToString("N")).ToArray();

        await using var command = cluster.Database.CreateCommand(
            "SELECT count(*), count(DISTINCT grainid) FROM orleansreminderstable WHERE substring(grainid from '[0-9a-f]{32}$') = ANY($1)");
        command.Parameters.Add(new NpgsqlParameter { Value = ids });
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Equal((60L, 60L), (reader.GetInt64(0), reader.GetInt64(1)));
    }

    [Fact]
    public async Task A_target_due_after_the_next_refresh_is_recorded_once_by_the_reminder_row_written_with_the_ticket()
    {
        // 0.002 h = 7.2 s: further than one refresh and one period (4 s here), so no registration after the commit.
        var (agent, projectId) = await Project(firstReply: 0.002, resolve: null);
        var ticketId = (await agent.CreateTicket(projectId)).GetProperty("id").GetGuid();
        Assert.Equal(1, await ReminderCount(ticketId));

        await Eventually(async () => Breaches(await agent.Get($"/v1/helpdesk/tickets/{ticketId}")).Count == 1, seconds: 30);
        // No target is left open: the reminder goes.
        await Eventually(async () => await ReminderCount(ticketId) == 0);
        await Task.Delay(2500);
        Assert.Equal(["first_reply"], Breaches(await agent.Get($"/v1/helpdesk/tickets/{ticketId}")));
    }

    [Theory]
    [InlineData(Soon)]     // registered after the commit
    [InlineData(0.002)]    // written with the ticket
    public async Task A_breach_whose_reminder_was_lost_is_still_recorded_once_by_the_survivors(double firstReply)
    {
        var (agent, projectId) = await Project(firstReply: firstReply, resolve: null);
        var ticketId = (await agent.CreateTicket(projectId)).GetProperty("id").GetGuid();

        // The silo died between the ticket's commit and its reminder (or the row was lost): no reminder exists.
        await Eventually(async () => await ReminderCount(ticketId) == 1);
        await using (var delete = cluster.Database.CreateCommand("DELETE FROM orleansreminderstable WHERE grainid LIKE '%' || $1"))
        {
            delete.Parameters.Add(new NpgsqlParameter { Value = ticketId.ToString("N") });
            Assert.Equal(1, await delete.ExecuteNonQueryAsync());
        }

        await Eventually(async () => Breaches(await agent.Get($"/v1/helpdesk/tickets/{ticketId}")).Count == 1, seconds: 20);
        await Task.Delay(2500);
        Assert.Equal(["first_reply"], Breaches(await agent.Get($"/v1/helpdesk/tickets/{ticketId}")));
    }

    [Fact]
    public async Task Settings_apply_to_tickets_created_after_the_change()
    {
        var (agent, projectId) = await Project(firstReply: 4, resolve: 48);
        var before = await agent.CreateTicket(projectId, "before");
        await agent.Patch($"/v1/projects/{projectId}/helpdesk/settings", new { sla_first_reply_hours = 0.5 });
        var after = await agent.CreateTicket(projectId, "after");

        static TimeSpan FirstReply(JsonElement t) =>
            t.GetProperty("sla").GetProperty("first_reply_due_at").GetDateTime() - t.GetProperty("created_at").GetDateTime();
        Assert.Equal(TimeSpan.FromHours(4), FirstReply(before));
        Assert.Equal(TimeSpan.FromMinutes(30), FirstReply(after));
        var stored = (await agent.Get($"/v1/helpdesk/tickets/{before.GetProperty("id").GetGuid()}"));
        Assert.Equal(TimeSpan.FromHours(4), FirstReply(stored));
    }

    private async Task<(ApiClient Agent, Guid ProjectId)> Project(double? firstReply, double? resolve)
    {
        var agent = await cluster.Api().LogInAs();
        var projectId = await agent.CreateProject();
        await agent.Call(HttpMethod.Patch, $"/v1/projects/{projectId}/helpdesk/settings",
            new { sla_first_reply_hours = firstReply, sla_resolve_hours = resolve }, HttpStatusCode.OK);
        return (agent, projectId);
    }

    private static List<string?> Breaches(JsonElement ticket) =>
        ticket.GetProperty("history").EnumerateArray().Where(h => h.GetProperty("field").GetString() == "sla_breached")
            .Select(h => h.GetProperty("to").GetString()).ToList();

    private async Task<long> ReminderCount(Guid ticketId)
    {
        await using var command = cluster.Database.CreateCommand("SELECT count(*) FROM orleansreminderstable WHERE grainid LIKE '%' || $1");
        command.Parameters.Add(new NpgsqlParameter { Value = ticketId.ToString("N") });
        return (long)(await command.ExecuteScalarAsync())!;
    }

}
