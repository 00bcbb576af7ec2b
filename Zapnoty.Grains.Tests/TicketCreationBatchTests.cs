using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.TestingHost;
using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Tests.Infrastructure;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// Creations share transactions, within a project and across the projects of a silo, and a new
/// ticket's grain starts from what its creation stored (issue 22).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class TicketCreationBatchTests(ClusterFixture cluster)
{
    [Fact]
    public async Task A_creation_postgresql_refuses_fails_alone_and_the_rest_of_its_batch_is_numbered_without_gaps()
    {
        var owner = await cluster.Api().LogInAs();
        var hot = await owner.CreateProject();
        var quiet = new List<Guid>();
        for (var i = 0; i < 8; i++) quiet.Add(await owner.CreateProject());
        await Create(hot, 0);
        foreach (var project in quiet) await Create(project, 0);

        // Forty at once to one project queue up behind each other's transaction and share the next;
        // one of them (and one of the quiet projects' creations, which share the silo's transactions)
        // carries a customer name PostgreSQL cannot store, which no validation in front of the grain catches.
        var hotCalls = Enumerable.Range(1, 40).Select(i => Create(hot, i, storable: i != 20)).ToList();
        var quietCalls = quiet.Select((project, i) => Create(project, 1, storable: i != 3)).ToList();
        await Task.WhenAll(hotCalls.Concat(quietCalls).Select(call => call.ContinueWith(_ => { }, TaskScheduler.Default)));

        Assert.True(hotCalls[19].IsFaulted);
        Assert.All(hotCalls.Where((_, i) => i != 19), call => Assert.True(call.IsCompletedSuccessfully));
        Assert.Equal(Enumerable.Range(2, 39).Select(n => (long)n), hotCalls.Where(c => c.IsCompletedSuccessfully).Select(c => c.Result.Number).Order());
        Assert.Equal(Enumerable.Range(1, 40).Select(n => (long)n), await StoredNumbers(hot));

        Assert.True(quietCalls[3].IsFaulted);
        Assert.All(quietCalls.Where((_, i) => i != 3), call => Assert.Equal(2, call.Result.Number));
        // The refused creation took no number: the project's next ticket is #2.
        Assert.Equal(2, (await Create(quiet[3], 2)).Number);
    }

    [Fact]
    public async Task Creations_of_many_quiet_projects_at_once_share_the_silos_transactions()
    {
        var owner = await cluster.Api().LogInAs();
        var projects = new List<Guid>();
        for (var i = 0; i < 40; i++) projects.Add(await owner.CreateProject());
        // Every grain on the way is active and has read its state before the measured round.
        await Task.WhenAll(projects.Select(p => Create(p, 0)));

        var before = Transactions();
        var created = await Task.WhenAll(projects.Select(p => Create(p, 1)));
        var used = Transactions() - before;

        Assert.All(created, ticket => Assert.Equal(2, ticket.Number));
        Assert.True(used <= projects.Count / 2, $"{used} transactions for {projects.Count} creations of {projects.Count} projects");
    }

    [Fact]
    public async Task A_new_tickets_grain_starts_from_the_row_its_creation_wrote_without_reading_it()
    {
        var owner = await cluster.Api().LogInAs();
        var projectId = await owner.CreateProject();
        var tickets = await CreateMany(projectId);

        // Changed underneath, as no product path does (no new version): a grain that read its row would show it.
        await Sql("UPDATE tickets SET subject = 'changed underneath' WHERE project_id = $1", projectId);
        foreach (var ticket in tickets)
        {
            StartFreshWherever(ticket.Id);
            var seen = await cluster.Grains.GetGrain<ITicketGrain>(ticket.Id).Summary();
            Assert.True(StartedFresh(ticket.Id));
            Assert.Equal((ticket.Number, ticket.Subject, ticket.Version), (seen.Number, seen.Subject, seen.Version));
        }
    }

    [Fact]
    public async Task A_new_tickets_grain_started_from_its_creation_counts_and_shows_the_customer_messages_written_behind_its_back()
    {
        var owner = await cluster.Api().LogInAs();
        var projectId = await owner.CreateProject();
        var tickets = await CreateMany(projectId);
        // With the first one, a day's cap of customer messages, written before any grain of them ran.
        foreach (var ticket in tickets) await TicketPagingTests.AddCustomerMessagesToday(cluster, projectId, ticket.Id, TicketLimits.CustomerMessagesPerDay - 1);

        foreach (var ticket in tickets)
        {
            StartFreshWherever(ticket.Id);
            var grain = cluster.Grains.GetGrain<ITicketGrain>(ticket.Id);
            var refused = await Assert.ThrowsAsync<DomainException>(() => grain.AddCustomerMessage(new CustomerMessage("One too many")));
            Assert.True(StartedFresh(ticket.Id));
            Assert.Equal(DomainErrorKind.TooManyRequests, refused.Kind);
            var details = await grain.Get();
            Assert.Equal($"Flood {TicketLimits.CustomerMessagesPerDay - 1}", details.Messages[^1].Text);
            Assert.True(details.HasEarlierMessages);
        }
    }

    [Fact]
    public async Task A_new_tickets_grain_started_from_a_row_changed_since_applies_its_first_write_to_the_stored_row()
    {
        var owner = await cluster.Api().LogInAs();
        var projectId = await owner.CreateProject();
        var tickets = await CreateMany(projectId, 3);
        // As another activation's write leaves it: a new version.
        await Sql("UPDATE tickets SET subject = 'changed elsewhere', version = version + 1 WHERE project_id = $1", projectId);

        foreach (var ticket in tickets)
        {
            StartFreshWherever(ticket.Id);
            var grain = cluster.Grains.GetGrain<ITicketGrain>(ticket.Id);
            // The write against the creation's row is refused by the stored version, the grain
            // reloads and applies it again (TicketGrain.AgainIfStale): the caller sees no 409.
            var edited = await grain.Edit(new TicketEdit(Actor.System, Priority: TicketPriority.High));
            Assert.True(StartedFresh(ticket.Id));
            Assert.Equal(("changed elsewhere", TicketPriority.High, 3), (edited.Subject, edited.Priority, edited.Version));
            var stored = (await grain.Get()).Ticket;
            Assert.Equal(("changed elsewhere", TicketPriority.High, 3), (stored.Subject, stored.Priority, stored.Version));
        }
    }

    private async Task<List<TicketView>> CreateMany(Guid projectId, int count = 6)
    {
        var tickets = new List<TicketView>();
        for (var i = 0; i < count; i++) tickets.Add(await Create(projectId, i));
        return tickets;
    }

    /// <summary>
    /// Orleans places the grain on either silo; the creation's entry, taken from the silo that
    /// holds it and left on every silo, makes the first activation start from it wherever it runs.
    /// </summary>
    private void StartFreshWherever(Guid ticketId)
    {
        var entry = Fresh().Single(f => f.Holds(ticketId)).Take(ticketId)!;
        foreach (var silo in Fresh()) silo.Add([entry]);
    }

    /// <summary>Whether the grain's activation took the entry (one silo no longer holds it).</summary>
    private bool StartedFresh(Guid ticketId) => Fresh().Count(f => !f.Holds(ticketId)) == 1;

    private IEnumerable<FreshTickets> Fresh() => Silos().Select(s => s.GetRequiredService<FreshTickets>());

    private async Task Sql(string sql, Guid projectId)
    {
        await using var command = cluster.Database.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = projectId });
        await command.ExecuteNonQueryAsync();
    }

    private Task<TicketView> Create(Guid projectId, int n, bool storable = true) =>
        cluster.Grains.GetGrain<IProjectGrain>(projectId).CreateTicket(new NewTicket(Channel.Api,
            storable ? new CustomerIdentity($"customer-{n % 7}", $"Customer {n}", null, null) : new CustomerIdentity("unstorable", "Nul\0Name", null, null),
            $"Request {n}", $"Subject {n}", null, null, Actor.System));

    private IEnumerable<IServiceProvider> Silos() => cluster.Cluster.Silos.Select(s => ((InProcessSiloHandle)s).SiloHost.Services);

    private long Transactions() => Silos().Sum(s => s.GetRequiredService<CreationCommits>().Transactions);

    private async Task<long[]> StoredNumbers(Guid projectId)
    {
        await using var command = cluster.Database.CreateCommand("SELECT array_agg(number ORDER BY number) FROM tickets WHERE project_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = projectId });
        return (long[])(await command.ExecuteScalarAsync())!;
    }
}
