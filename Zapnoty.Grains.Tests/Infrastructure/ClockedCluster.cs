using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Orleans.Hosting;
using Orleans.TestingHost;
using Zapnoty.Grains.Storage;
using Zapnoty.Silo;

namespace Zapnoty.Grains.Tests.Infrastructure;

/// <summary>
/// The grains' clock, set by the test: <see cref="TimeProvider.GetUtcNow"/> answers the instant
/// set (real time until one is), while timers and timestamps stay real. Not FakeTimeProvider:
/// its timers fire only when the test advances it, and the silo's own timers (Orleans', the
/// sweepers') must keep running.
/// </summary>
public sealed class SettableClock : TimeProvider
{
    private readonly Lock _lock = new();
    private DateTimeOffset? _now;

    public override DateTimeOffset GetUtcNow()
    {
        lock (_lock) return _now ?? System.GetUtcNow();
    }

    public void Set(DateTimeOffset now)
    {
        lock (_lock) _now = now.ToUniversalTime();
    }

    public void Advance(TimeSpan by)
    {
        lock (_lock) _now = (_now ?? System.GetUtcNow()) + by;
    }
}

/// <summary>
/// One silo over a real PostgreSQL whose grains read <see cref="Clock"/>: tests put "now" on a
/// Friday evening or a DST night and move it forward, then ask the grains directly. No API on
/// this silo (its rate limits and sessions would run on the set clock too).
/// </summary>
public sealed class ClockedCluster : IAsyncLifetime
{
    /// <summary>Static because the in-process silo's configurator is created by type; one such cluster runs at a time.</summary>
    public static SettableClock Clock { get; } = new();

    public TestCluster Cluster { get; private set; } = null!;
    public NpgsqlDataSource Database { get; private set; } = null!;
    public IGrainFactory Grains => Cluster.GrainFactory;

    /// <summary>The Bot API the silo's Telegram client talks to, for tests of the bot dialog on the set clock.</summary>
    public FakeTelegramServer Telegram { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var connectionString = await TestDatabase.Create("clocked");
        Database = NpgsqlDataSource.Create(connectionString);
        Telegram = await FakeTelegramServer.Start();
        await new DatabaseMigrator(Database, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);

        var builder = new TestClusterBuilder(initialSilosCount: 1);
        builder.Options.UseTestClusterMembership = false;
        builder.Properties["ConnectionStrings:Postgres"] = connectionString;
        builder.Properties["Zapnoty:DataProtection:Key"] = TestDatabase.MasterKey;
        builder.Properties["Zapnoty:Sla:ReminderPeriod"] = "00:00:02";
        builder.Properties["Zapnoty:Sla:SweepPeriod"] = "00:00:01";
        builder.Properties["Zapnoty:Telegram:ApiBaseUrl"] = Telegram.BaseUrl;
        builder.Properties["Zapnoty:PublicBaseUrl"] = "https://helpdesk.example.com";
        builder.AddSiloBuilderConfigurator<ClockedSilo>();
        builder.AddClientBuilderConfigurator<ZapnotyTestClient>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    /// <summary>A new project of a fresh owner (a user row, then the project grain), for tests that ask the grains directly.</summary>
    public async Task<(Guid ProjectId, Actor Owner)> NewProject(string name)
    {
        var userId = Guid.NewGuid();
        var email = $"{userId:N}@example.com";
        await using (var insert = Database.CreateCommand("INSERT INTO users (id, email) VALUES ($1, $2)"))
        {
            insert.Parameters.Add(new() { Value = userId });
            insert.Parameters.Add(new() { Value = email });
            await insert.ExecuteNonQueryAsync();
        }
        var projectId = Guid.NewGuid();
        await Grains.GetGrain<Projects.IProjectGrain>(projectId).Create(new Projects.CreateProject(name, $"clocked-{userId:N}", userId, email));
        return (projectId, Actor.User(userId));
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        await Database.DisposeAsync();
        await Telegram.DisposeAsync();
    }
}

/// <summary>The grains and their services on the set clock, with Postgres clustering, storage and reminders.</summary>
public sealed class ClockedSilo : ISiloConfigurator, IHostConfigurator
{
    public void Configure(ISiloBuilder siloBuilder)
    {
        siloBuilder.UseZapnotyPostgres(siloBuilder.Configuration.GetConnectionString("Postgres")!);
        siloBuilder.Configure<ReminderOptions>(o => o.RefreshReminderListPeriod = ZapnotyTestSilo.ReminderRefreshPeriod);
    }

    public void Configure(IHostBuilder hostBuilder)
    {
        hostBuilder.ConfigureServices((context, services) =>
        {
            services.AddZapnotyGrainServices(context.Configuration);
            // After the grain services' TimeProvider.System: the last registration is the one resolved.
            services.AddSingleton<TimeProvider>(ClockedCluster.Clock);
        });
        hostBuilder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
    }
}

[CollectionDefinition(Name)]
public sealed class ClockedCollection : ICollectionFixture<ClockedCluster>
{
    public const string Name = "clocked";
}

/// <summary>
/// Where a test stands on the set clock's timeline. Orleans' activation collector refuses a
/// clock that goes back, so the tests of <see cref="ClockedCluster"/> run in this order, each
/// setting times no earlier than the one before it.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ClockStepAttribute(int step) : Attribute
{
    public int Step { get; } = step;
}

/// <summary>Orders a class's tests by their <see cref="ClockStepAttribute"/>.</summary>
public sealed class ClockStepOrderer : Xunit.Sdk.ITestCaseOrderer
{
    public const string TypeName = "Zapnoty.Grains.Tests.Infrastructure.ClockStepOrderer";
    public const string AssemblyName = "Zapnoty.Grains.Tests";

    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases) where TTestCase : Xunit.Abstractions.ITestCase =>
        testCases.OrderBy(t => t.TestMethod.Method.GetCustomAttributes(typeof(ClockStepAttribute).AssemblyQualifiedName).FirstOrDefault()
            ?.GetConstructorArguments().OfType<int>().First() ?? int.MaxValue);
}
