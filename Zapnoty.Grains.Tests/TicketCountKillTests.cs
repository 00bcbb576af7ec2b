using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.TestingHost;
using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Tests.Infrastructure;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Tests;

/// <summary>The ticket counters under load while a silo process is SIGKILLed (a cluster of its own).</summary>
public sealed class TicketCountKillTests(FailoverCluster cluster) : IClassFixture<FailoverCluster>
{
    [Fact]
    public async Task Counters_and_report_rollups_equal_a_recount_after_a_silo_is_killed_in_the_middle_of_creations_and_changes()
    {
        var db = ((InProcessSiloHandle)cluster.Cluster.Silos[0]).SiloHost.Services.GetRequiredService<NpgsqlDataSource>();
        var (owner, email, projectId) = (Guid.NewGuid(), $"owner-{Guid.NewGuid():N}@example.com", Guid.NewGuid());
        await using (var user = db.CreateCommand("INSERT INTO users (id, email, created_at) VALUES ($1, $2, now())"))
        {
            user.Parameters.Add(new NpgsqlParameter { Value = owner });
            user.Parameters.Add(new NpgsqlParameter { Value = email });
            await user.ExecuteNonQueryAsync();
        }
        var project = cluster.FromA.GetGrain<IProjectGrain>(projectId);
        await project.Create(new CreateProject("Kill", $"kill-{projectId:N}"[..20], owner, email));
        var actor = Actor.User(owner);
        var tickets = new List<Guid>();
        for (var i = 0; i < 30; i++)
            tickets.Add((await project.CreateTicket(new NewTicket(Channel.Api, new CustomerIdentity($"c{i % 5}", null, null, null), "help", null, null, null, actor))).Id);

        var killed = false;
        var (failed, afterKill) = (0, 0);
        var stop = new CancellationTokenSource();
        async Task Load(int seed)
        {
            var random = new Random(seed);
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    if (random.Next(5) == 0)
                    {
                        var created = await project.CreateTicket(new NewTicket(Channel.Api, new CustomerIdentity($"c{seed}", null, null, null), "more", null, null, null, actor));
                        lock (tickets) tickets.Add(created.Id);
                    }
                    else
                    {
                        Guid ticket;
                        lock (tickets) ticket = tickets[random.Next(tickets.Count)];
                        if (random.Next(4) == 0) await cluster.FromA.GetGrain<ITicketGrain>(ticket).Reply(new AgentReply(actor, "on it"));
                        else await cluster.FromA.GetGrain<ITicketGrain>(ticket).Edit(random.Next(2) == 0
                            ? new TicketEdit(actor, Status: (TicketStatus)random.Next(4))
                            : new TicketEdit(actor, ChangesAssignee: true, AssigneeId: random.Next(2) == 0 ? owner : null));
                    }
                    if (Volatile.Read(ref killed)) Interlocked.Increment(ref afterKill);
                }
                catch (Exception)
                {
                    // A call in flight to the killed silo fails (or a change is refused, such as a status it already has);
                    // whatever it wrote committed with its counters or not at all.
                    Interlocked.Increment(ref failed);
                }
            }
        }
        var load = Enumerable.Range(1, 6).Select(Load).ToList();
        await Task.Delay(TimeSpan.FromSeconds(2));
        await cluster.Process.Kill();
        Volatile.Write(ref killed, true);
        var since = Stopwatch.StartNew();
        while (Volatile.Read(ref afterKill) < 50 && since.Elapsed < TimeSpan.FromSeconds(40)) await Task.Delay(100);
        await stop.CancelAsync();
        await Task.WhenAll(load);

        Assert.True(afterKill >= 50, $"the load did not go on after the kill ({afterKill} calls, {failed} failed)");
        await TicketRecount.AssertCountersEqualRecount(db, projectId);
        // The report rollups (migration 0030) are written by triggers in the same transactions.
        await ReportRecount.AssertRollupsEqualRecount(db, projectId);
    }
}
