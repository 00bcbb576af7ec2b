using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Runtime.Placement;
using Orleans.TestingHost;
using Xunit.Abstractions;
using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Tests.Infrastructure;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// The report rollups (issue 20) are written by triggers in the transaction of each change, so a
/// silo killed with changes in flight leaves every change either wholly in (ticket and rollups)
/// or wholly out: nothing counted twice, nothing missed. A cluster of its own, since it kills one.
/// </summary>
public sealed class ReportRollupKillTests(FailoverCluster cluster, ITestOutputHelper output) : IClassFixture<FailoverCluster>
{
    private static readonly TimeSpan CallLimit = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Rollups_equal_a_recount_after_the_silo_holding_the_tickets_is_killed_with_changes_to_them_in_flight()
    {
        var db = ((InProcessSiloHandle)cluster.Cluster.Silos[0]).SiloHost.Services.GetRequiredService<NpgsqlDataSource>();
        var (owner, email, projectId) = (Guid.NewGuid(), $"owner-{Guid.NewGuid():N}@example.com", Guid.NewGuid());
        await using (var user = db.CreateCommand("INSERT INTO users (id, email, created_at) VALUES ($1, $2, now())"))
        {
            user.Parameters.Add(new NpgsqlParameter { Value = owner });
            user.Parameters.Add(new NpgsqlParameter { Value = email });
            await user.ExecuteNonQueryAsync();
        }
        var actor = Actor.User(owner);
        var project = cluster.FromA.GetGrain<IProjectGrain>(projectId);
        var tickets = new List<Guid>();
        // The project and its tickets start on the silo process that is killed below (the hint
        // goes with the calls the project makes to its new tickets).
        RequestContext.Set(IPlacementDirector.PlacementHintKey, cluster.ProcessAddress);
        await project.Create(new CreateProject("Kill", $"kill-{projectId:N}"[..20], owner, email));
        for (var i = 0; i < 20; i++)
            tickets.Add((await project.CreateTicket(new NewTicket(Channel.Api, new CustomerIdentity($"c{i % 4}", null, null, null), "help", null, null, null, actor))).Id);
        foreach (var ticket in tickets) await cluster.FromA.GetGrain<ITicketGrain>(ticket).Reply(new AgentReply(actor, "first"));
        RequestContext.Clear();

        var killedAt = long.MaxValue;
        var (inFlightAtKill, afterKill, failed) = (0, 0, 0);
        using var stop = new CancellationTokenSource();
        async Task Load(int seed)
        {
            var random = new Random(seed);
            while (!stop.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    Guid ticket;
                    lock (tickets) ticket = tickets[random.Next(tickets.Count)];
                    var grain = cluster.FromA.GetGrain<ITicketGrain>(ticket);
                    Task call = random.Next(6) switch
                    {
                        0 => project.CreateTicket(new NewTicket(Channel.Api, new CustomerIdentity($"c{seed}", null, null, null), "more", null, null, null, actor))
                            .ContinueWith(t => { lock (tickets) tickets.Add(t.Result.Id); }, TaskContinuationOptions.OnlyOnRanToCompletion),
                        1 => grain.Reply(new AgentReply(actor, "on it")),
                        2 => grain.Note(new AgentNote(actor, "a note")),
                        3 => grain.Edit(new TicketEdit(actor, ChangesAssignee: true, AssigneeId: random.Next(2) == 0 ? owner : null)),
                        4 => grain.Edit(new TicketEdit(actor, Priority: (TicketPriority)random.Next(4))),
                        _ => grain.Edit(new TicketEdit(actor, Status: (TicketStatus)random.Next(4))),
                    };
                    await call.WaitAsync(CallLimit);
                    if (started > Interlocked.Read(ref killedAt)) Interlocked.Increment(ref afterKill);
                }
                catch (Exception)
                {
                    // A call in flight to the killed silo fails (or a change is refused, such as a
                    // status the ticket already has); what it wrote committed with its rollups or not at all.
                    Interlocked.Increment(ref failed);
                    if (started < Interlocked.Read(ref killedAt) && Stopwatch.GetTimestamp() > Interlocked.Read(ref killedAt))
                        Interlocked.Increment(ref inFlightAtKill);
                }
            }
        }
        var load = Enumerable.Range(1, 6).Select(Load).ToList();
        await Task.Delay(TimeSpan.FromSeconds(2));
        // One change surely in flight, however slow the machine: its transaction waits for a row
        // lock held here when the silo running it is killed.
        var stuckTicket = tickets[0];
        await using var holder = await db.OpenConnectionAsync();
        await using var hold = await holder.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand("SELECT 1 FROM tickets WHERE id = $1 FOR UPDATE", holder) { Parameters = { new() { Value = stuckTicket } } })
            await lockRow.ExecuteNonQueryAsync();
        var stuck = cluster.FromA.GetGrain<ITicketGrain>(stuckTicket).Reply(new AgentReply(actor, "stuck at the kill"));
        var waiting = Stopwatch.StartNew();
        while (await Scalar(db, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%UPDATE tickets%'") == 0)
        {
            Assert.True(waiting.Elapsed < CallLimit, "the reply never reached its transaction");
            await Task.Delay(20);
        }
        Interlocked.Exchange(ref killedAt, Stopwatch.GetTimestamp());
        await cluster.Process.Kill();
        await Assert.ThrowsAnyAsync<Exception>(() => stuck.WaitAsync(CallLimit * 2));
        await hold.RollbackAsync();
        var since = Stopwatch.StartNew();
        while (Volatile.Read(ref afterKill) < 50 && since.Elapsed < TimeSpan.FromSeconds(60)) await Task.Delay(100);
        await stop.CancelAsync();
        await Task.WhenAll(load).WaitAsync(CallLimit * 2);
        output.WriteLine($"in flight at the kill and failed: {inFlightAtKill}; failed in all: {failed}; went through after the kill: {afterKill}");

        Assert.True(afterKill >= 50, $"the load did not go on after the kill ({afterKill} calls, {failed} failed)");
        Assert.Equal(0, await Scalar(db, "SELECT count(*) FROM ticket_messages WHERE text = 'stuck at the kill'"));
        var keys = await ReportRecount.AssertRollupsEqualRecount(db, projectId);
        output.WriteLine($"rollup keys equal to the recount: {keys}");
        Assert.True(keys > 20, $"only {keys} rollup keys were compared");
        // Folding afterwards changes no sum either.
        await new Reports.ReportStore(db).Fold(projectId, CancellationToken.None);
        Assert.Equal(keys, await ReportRecount.AssertRollupsEqualRecount(db, projectId));
        await ReportRecount.AssertDaysEqualFoldedHours(db, projectId);
    }

    private static async Task<long> Scalar(NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
