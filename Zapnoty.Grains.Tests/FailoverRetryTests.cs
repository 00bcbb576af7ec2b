using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Orleans.Hosting;
using Orleans.Metadata;
using Orleans.Runtime.Placement;
using Orleans.TestingHost;
using Zapnoty.Grains.Cluster;
using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Tickets;
using Zapnoty.Grains.RateLimiting;
using Zapnoty.Grains.Storage;
using Zapnoty.Grains.Tests.Infrastructure;
using Zapnoty.Silo;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// A cluster of its own, so killing silos disturbs no other test: two in-process silos (A calls,
/// B can be stopped abruptly) and one real silo process P that can be SIGKILLed, all on one
/// database with the production membership settings.
/// </summary>
public sealed class FailoverCluster : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;
    public SiloProcess Process { get; private set; } = null!;
    public SiloAddress ProcessAddress { get; private set; } = null!;
    private readonly FakeSmtpServer _smtp = new();

    /// <summary>Silo A's own grain factory: calls from it go through A's filters, as the API's do.</summary>
    public IGrainFactory FromA => ((InProcessSiloHandle)Cluster.Silos[0]).SiloHost.Services.GetRequiredService<IGrainFactory>();

    public SiloHandle B => Cluster.Silos[1];

    public async Task InitializeAsync()
    {
        var connectionString = await TestDatabase.Create("failover");
        await using (var db = NpgsqlDataSource.Create(connectionString))
            await new DatabaseMigrator(db, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);

        var builder = new TestClusterBuilder(initialSilosCount: 2);
        builder.Options.UseTestClusterMembership = false;
        // Real sockets: the silo process must reach these silos, and a crash must refuse connections.
        builder.Options.ConnectionTransport = ConnectionTransportType.TcpSocket;
        builder.Properties["ConnectionStrings:Postgres"] = connectionString;
        builder.Properties["Zapnoty:DataProtection:Key"] = TestDatabase.MasterKey;
        builder.Properties["Zapnoty:Smtp:Host"] = "127.0.0.1";
        builder.Properties["Zapnoty:Smtp:Port"] = _smtp.Port.ToString();
        builder.Properties["Zapnoty:Smtp:Security"] = "None";
        builder.Properties["Zapnoty:Swagger:Enabled"] = "false";
        builder.Properties["Zapnoty:Shutdown:DrainDelay"] = "00:00:00";
        // The probes, not the crash detector, declare the killed process dead here (seconds, not
        // a fraction of one), so a call after the kill is surely rejected a few times; the budget
        // covers them. The cluster check measures the detector.
        builder.Properties["Zapnoty:CrashDetection:Enabled"] = "false";
        builder.Properties["Zapnoty:GrainCallRetry:Budget"] = "00:00:15";
        // Long enough for the older silo's failing call to arrive, short enough for the other tests.
        builder.Properties["Zapnoty:GrainCallRetry:OlderSiloMemory"] = "00:00:20";
        builder.AddSiloBuilderConfigurator<ZapnotyTestSilo>();
        builder.AddSiloBuilderConfigurator<ProductionMembership>();
        builder.AddSiloBuilderConfigurator<OlderReleaseSilo>();
        builder.AddClientBuilderConfigurator<ZapnotyTestClient>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();

        var siloPort = SiloProcess.FreePort();
        Process = await SiloProcess.Start(new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = connectionString,
            ["Orleans__ClusterId"] = builder.Options.ClusterId,
            ["Orleans__ServiceId"] = builder.Options.ServiceId,
            ["Orleans__SiloPort"] = siloPort.ToString(),
            ["Zapnoty__Smtp__Port"] = _smtp.Port.ToString(),
            ["Zapnoty__Shutdown__DrainDelay"] = "00:00:00",
        });
        var membership = ((InProcessSiloHandle)Cluster.Silos[0]).SiloHost.Services.GetRequiredService<IClusterMembershipService>();
        var deadline = Stopwatch.StartNew();
        ClusterMember? member;
        while ((member = membership.CurrentSnapshot.Members.Values.FirstOrDefault(m => m.SiloAddress.Endpoint.Port == siloPort && m.Status == SiloStatus.Active)) is null)
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException("The silo process never joined the cluster.");
            await Task.Delay(100);
        }
        ProcessAddress = member.SiloAddress;
    }

    public async Task DisposeAsync()
    {
        await Process.DisposeAsync();
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        await _smtp.DisposeAsync();
    }
}

/// <summary>The membership settings the real host runs with (<see cref="ClusterMembership"/>).</summary>
public sealed class ProductionMembership : ISiloConfigurator
{
    public void Configure(ISiloBuilder siloBuilder) => siloBuilder.UseZapnotyMembership(siloBuilder.Configuration);
}

/// <summary>
/// While <see cref="Next"/> is set, the silo being built stands in for a release before
/// idempotency keys: its manifest does not promise to dedupe write keys (<see cref="KeyDedupeManifest"/>).
/// </summary>
public sealed class OlderReleaseSilo : ISiloConfigurator
{
    public static volatile bool Next;

    public void Configure(ISiloBuilder siloBuilder)
    {
        if (!Next) return;
        siloBuilder.ConfigureServices(services =>
        {
            foreach (var promise in services.Where(s => s.ImplementationType == typeof(KeyDedupeManifest)).ToList()) services.Remove(promise);
        });
    }
}

/// <summary>Counts its runs, then stays busy: a call to it is known to have run when its silo goes.</summary>
[Alias("Zapnoty.Tests.ICountingGrain")]
public interface ICountingGrain : IGrainWithGuidKey
{
    /// <summary>Not idempotent: every run counts.</summary>
    [Alias("CountAndStall")] Task<int> CountAndStall();
}

public sealed class CountingGrain : Grain, ICountingGrain
{
    public static readonly ConcurrentDictionary<Guid, int> Runs = new();

    public async Task<int> CountAndStall()
    {
        var runs = Runs.AddOrUpdate(this.GetPrimaryKey(), 1, (_, n) => n + 1);
        await Task.Delay(TimeSpan.FromSeconds(20));
        return runs;
    }
}

/// <summary>What a caller sees when the silo holding its grain vanishes (GrainCallRetry).</summary>
public sealed class FailoverRetryTests(FailoverCluster cluster) : IClassFixture<FailoverCluster>
{
    private static readonly RateBudget Budget = new(600, 100);

    [Fact]
    public async Task A_call_to_a_grain_whose_silo_was_just_killed_succeeds_on_a_live_silo_within_the_retry_budget()
    {
        var grain = cluster.FromA.GetGrain<IRateBudgetGrain>($"failover-{Guid.NewGuid():N}");
        RequestContext.Set(IPlacementDirector.PlacementHintKey, cluster.ProcessAddress);
        await grain.Take(Budget, 1);
        RequestContext.Clear();
        using var retries = new RetryCounter();

        await cluster.Process.Kill();
        // Once silo A saw its connection reset (a call sent before that may have been delivered,
        // and is rightly not retried), and before the cluster declared the process dead: without
        // the retry this call is rejected (connection refused) and the API would answer 503.
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        var took = Stopwatch.StartNew();
        var grant = await grain.Take(Budget, 1);

        Assert.True(grant.Granted > 0);
        Assert.True(retries.Count > 0, "the call succeeded without a retry, so the kill was not seen");
        Assert.True(took.Elapsed < TimeSpan.FromSeconds(15), $"took {took.Elapsed}");
    }

    [Fact]
    public async Task A_call_that_ran_on_a_silo_that_then_went_away_is_not_run_a_second_time()
    {
        var id = Guid.NewGuid();
        var grain = cluster.FromA.GetGrain<ICountingGrain>(id);
        RequestContext.Set(IPlacementDirector.PlacementHintKey, cluster.B.SiloAddress);
        var call = grain.CountAndStall();
        RequestContext.Clear();
        var deadline = Stopwatch.StartNew();
        while (CountingGrain.Runs.GetValueOrDefault(id) == 0 && deadline.Elapsed < TimeSpan.FromSeconds(20)) await Task.Delay(20);
        Assert.Equal(1, CountingGrain.Runs.GetValueOrDefault(id));

        var killing = cluster.Cluster.KillSiloAsync(cluster.B);
        var failure = await Assert.ThrowsAnyAsync<OrleansException>(() => call.WaitAsync(TimeSpan.FromSeconds(15)));
        await killing;

        // The silo went away mid-call: the call may have written, so it fails (503 at the API)
        // rather than running again on silo A.
        Assert.IsType<SiloUnavailableException>(failure);
        Assert.Equal(1, CountingGrain.Runs.GetValueOrDefault(id));
    }

    [Fact]
    public async Task A_reply_with_a_key_whose_silo_died_while_it_ran_is_retried_on_a_live_silo_and_stored_exactly_once()
    {
        var db = ((InProcessSiloHandle)cluster.Cluster.Silos[0]).SiloHost.Services.GetRequiredService<NpgsqlDataSource>();
        var (projectId, ticketId) = await ApiTicket(db);
        var doomed = await cluster.Cluster.StartAdditionalSiloAsync();
        var ticket = cluster.FromA.GetGrain<ITicketGrain>(ticketId);

        // The silo dies mid-call: the caller cannot know whether the reply was stored. Its
        // transaction may still commit once the row is free (its process lives on here).
        var (reply, _) = await ReplyKilledMidway(db, ticketId, doomed);
        var message = await reply.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("It left our warehouse today.", message.Text);
        Assert.Equal(1, await Count(db, "SELECT count(*) FROM ticket_messages WHERE ticket_id = $1 AND author = 'agent'", ticketId));
        Assert.Equal(1, await Count(db, "SELECT count(*) FROM credit_ledger WHERE project_id = $1 AND kind = 'reply'", projectId));
        Assert.Equal(message.Id, (await ticket.Get()).Messages.Single(m => m.Author == MessageAuthor.Agent).Id);
    }

    [Fact]
    public async Task A_keyed_reply_whose_silo_of_a_release_without_keys_died_while_it_ran_is_not_sent_again()
    {
        var db = ((InProcessSiloHandle)cluster.Cluster.Silos[0]).SiloHost.Services.GetRequiredService<NpgsqlDataSource>();
        var manifest = ((InProcessSiloHandle)cluster.Cluster.Silos[0]).SiloHost.Services.GetRequiredService<IClusterManifestProvider>();
        var (_, ticketId) = await ApiTicket(db);
        var ticketType = manifest.LocalGrainManifest.Interfaces
            .Single(i => i.Value.Properties.GetValueOrDefault(WellKnownGrainInterfaceProperties.TypeName) == nameof(ITicketGrain)).Key;
        // A silo that never saw an older one retries keyed writes (as the cluster check needs).
        var neverSawOne = new OlderSilosWatch(manifest, TimeProvider.System, Microsoft.Extensions.Options.Options.Create(new GrainCallRetryOptions()));
        Assert.True(neverSawOne.KeyedRetryIsSafe(ticketType));
        SiloHandle older;
        OlderReleaseSilo.Next = true;
        try { older = await cluster.Cluster.StartAdditionalSiloAsync(); }
        finally { OlderReleaseSilo.Next = false; }
        await Until(() => Task.FromResult(manifest.Current.Silos.ContainsKey(older.SiloAddress)));
        var replyType = manifest.LocalGrainManifest.Interfaces
            .Single(i => i.Value.Properties.GetValueOrDefault(WellKnownGrainInterfaceProperties.TypeName) == nameof(ITicketGrain)).Key;
        // This release promises to dedupe; the older silo does not, so the cluster as a whole does not.
        Assert.True(manifest.LocalGrainManifest.Interfaces[replyType].Properties.ContainsKey(KeyDedupeManifest.Property));
        Assert.False(manifest.Current.Silos[older.SiloAddress].Interfaces[replyType].Properties.ContainsKey(KeyDedupeManifest.Property));
        Assert.False(KeyDedupeManifest.EverySiloDedupes(manifest.Current, replyType));

        // An older release would store the reply without its key once the row is free: a retry
        // would store it twice. The call fails instead (the API answers 503), and is not retried.
        var (reply, retries) = await ReplyKilledMidway(db, ticketId, older);
        await Assert.ThrowsAnyAsync<OrleansException>(() => reply);
        Assert.Equal(0, retries);

        // Keyed writes are retried again a while after the older silo left (and other tests of this cluster rely on it).
        var watch = ((InProcessSiloHandle)cluster.Cluster.Silos[0]).SiloHost.Services.GetRequiredService<OlderSilosWatch>();
        Assert.False(watch.KeyedRetryIsSafe(replyType));
        await Until(() => Task.FromResult(watch.KeyedRetryIsSafe(replyType)), TimeSpan.FromSeconds(90));
        Assert.True(KeyDedupeManifest.EverySiloDedupes(manifest.Current, replyType));
    }

    /// <summary>
    /// Places the ticket on <paramref name="silo"/>, sends it a keyed reply from silo A whose
    /// transaction waits on a row lock held here, kills the silo, and frees the row once the
    /// call was retried or ended. The reply, and how many grain calls were retried meanwhile.
    /// </summary>
    private async Task<(Task<MessageView> Reply, long Retries)> ReplyKilledMidway(NpgsqlDataSource db, Guid ticketId, SiloHandle silo)
    {
        var ticket = cluster.FromA.GetGrain<ITicketGrain>(ticketId);
        RequestContext.Set(IPlacementDirector.PlacementHintKey, silo.SiloAddress);
        await ticket.Summary();
        RequestContext.Clear();
        using var retries = new RetryCounter();
        await using var holder = await db.OpenConnectionAsync();
        await using var hold = await holder.BeginTransactionAsync();
        await Execute(holder, "SELECT 1 FROM tickets WHERE id = $1 FOR UPDATE", ticketId);
        var reply = ticket.Reply(new AgentReply(Actor.System, "It left our warehouse today.", WriteKey.Generated()));
        await Until(async () => await Count(db, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%UPDATE tickets%'", null) > 0);
        await cluster.Cluster.KillSiloAsync(silo);
        await Until(() => Task.FromResult(retries.Count > 0 || reply.IsCompleted), TimeSpan.FromSeconds(90));
        await hold.RollbackAsync();
        return (reply, retries.Count);
    }

    /// <summary>A project with a website ticket, made through silo A's grains.</summary>
    private async Task<(Guid ProjectId, Guid TicketId)> ApiTicket(NpgsqlDataSource db)
    {
        var (userId, projectId) = (Guid.NewGuid(), Guid.NewGuid());
        var email = $"failover-{userId:N}@example.com";
        await using (var connection = await db.OpenConnectionAsync())
            await Execute(connection, "INSERT INTO users (id, email) VALUES ($1, '" + email + "')", userId);
        var project = cluster.FromA.GetGrain<IProjectGrain>(projectId);
        await project.Create(new CreateProject("Failover", $"failover-{projectId:N}"[..30], userId, email));
        var ticket = await project.CreateTicket(new NewTicket(Channel.Api, new CustomerIdentity("customer-1", null, null, null),
            "Where is my order?", null, null, null, Actor.User(userId)));
        return (projectId, ticket.Id);
    }

    private static async Task Execute(NpgsqlConnection connection, string sql, Guid id)
    {
        await using var command = new NpgsqlCommand(sql, connection) { Parameters = { new() { Value = id } } };
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> Count(NpgsqlDataSource db, string sql, Guid? id)
    {
        await using var command = db.CreateCommand(sql);
        if (id is { } value) command.Parameters.Add(new NpgsqlParameter { Value = value });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task Until(Func<Task<bool>> condition, TimeSpan? limit = null)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > (limit ?? TimeSpan.FromSeconds(20))) throw new TimeoutException("The condition never held.");
            await Task.Delay(20);
        }
    }

    [Fact]
    public void Only_rejections_or_idempotent_methods_are_retried()
    {
        var write = typeof(IRateBudgetGrain).GetMethod(nameof(IRateBudgetGrain.Take))!;
        var read = typeof(Projects.IProjectGrain).GetMethod(nameof(Projects.IProjectGrain.Get))!;
        var brokenCallback = new SiloUnavailableException("The target silo became unavailable for message: ...");
        var interrupted = new InterruptedCallException("ran, then a call it made could not reach its silo.", new SiloUnavailableException());

        Assert.Equal("rejected", GrainCallRetry.Reason(new SiloUnavailableException(), write));
        Assert.Null(GrainCallRetry.Reason(brokenCallback, write));
        Assert.Null(GrainCallRetry.Reason(interrupted, write));
        Assert.Null(GrainCallRetry.Reason(new TimeoutException(), write));
        Assert.Null(GrainCallRetry.Reason(new DomainException(DomainErrorKind.NotFound, "no such project"), read));
        Assert.Equal("repeatable", GrainCallRetry.Reason(brokenCallback, read));
        Assert.Equal("repeatable", GrainCallRetry.Reason(interrupted, read));
    }

    [Fact]
    public void A_write_that_may_have_run_is_retried_only_when_its_command_carries_an_idempotency_key()
    {
        var reply = typeof(Tickets.ITicketGrain).GetMethod(nameof(Tickets.ITicketGrain.Reply))!;
        var create = typeof(Projects.IProjectGrain).GetMethod(nameof(Projects.IProjectGrain.CreateTicket))!;
        var brokenCallback = new SiloUnavailableException("The target silo became unavailable for message: ...");
        var keyed = new Tickets.AgentReply(Actor.System, "On it", WriteKey.Generated());

        Assert.Equal("keyed", GrainCallRetry.Reason(brokenCallback, reply, [keyed]));
        Assert.Null(GrainCallRetry.Reason(brokenCallback, reply, [keyed with { Key = null }]));
        Assert.Null(GrainCallRetry.Reason(new DomainException(DomainErrorKind.Conflict, "closed"), reply, [keyed]));
        Assert.Equal("keyed", GrainCallRetry.Reason(new TimeoutException(), create,
            [new Tickets.NewTicket(Tickets.Channel.Api, new Tickets.CustomerIdentity("c", null, null, null), "Hi", null, null, null, Actor.System, Key: WriteKey.Generated())]));
    }

    /// <summary>Counts <c>zapnoty.grain_call.retries</c> from every silo in this process while it lives.</summary>
    private sealed class RetryCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _count;

        public RetryCounter()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name == "zapnoty.grain_call.retries") listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _count, value));
            _listener.Start();
        }

        public long Count => Interlocked.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }
}
