using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Orleans.Hosting;
using Orleans.TestingHost;
using Zapnoty.Api;
using Zapnoty.Api.Observability;
using Zapnoty.Grains.Storage;
using Zapnoty.Silo;

namespace Zapnoty.Grains.Tests.Infrastructure;

/// <summary>
/// Two real silos over a real PostgreSQL (ADO.NET clustering, storage and reminders on our
/// migrations), each co-hosting the REST API on its own loopback port, as in production.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;
    public string ConnectionString { get; private set; } = null!;
    public NpgsqlDataSource Database { get; private set; } = null!;
    public FakeSmtpServer Smtp { get; } = new();
    public FakeTelegramServer Telegram { get; private set; } = null!;
    public FakeMaxServer Max { get; private set; } = null!;
    public FakeStripeServer Stripe { get; private set; } = null!;
    public FakeYooKassaServer YooKassa { get; private set; } = null!;

    /// <summary>One HTTP client per silo, pointed at that silo's API.</summary>
    public IReadOnlyList<HttpClient> Silos { get; private set; } = [];

    public IGrainFactory Grains => Cluster.GrainFactory;

    /// <summary>Retries after the first attempt, 0.3 s apart: a delivery finally fails about 3 s after its event.</summary>
    public const int WebhookRetries = 10;

    /// <summary>The staff group's pacing in the test silos: this many calls to a group per <see cref="StaffGroupPacingWindow"/>.</summary>
    public const int StaffGroupMessagesPerWindow = 40;

    public static readonly TimeSpan StaffGroupPacingWindow = TimeSpan.FromSeconds(1);

    public async Task InitializeAsync()
    {
        ConnectionString = await TestDatabase.Create("cluster");
        Telegram = await FakeTelegramServer.Start();
        Max = await FakeMaxServer.Start();
        Stripe = await FakeStripeServer.Start();
        YooKassa = await FakeYooKassaServer.Start();
        Database = NpgsqlDataSource.Create(ConnectionString);
        await new DatabaseMigrator(Database, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);

        var builder = new TestClusterBuilder(initialSilosCount: 2);
        builder.Options.UseTestClusterMembership = false;
        builder.Properties["ConnectionStrings:Postgres"] = ConnectionString;
        builder.Properties["Zapnoty:DataProtection:Key"] = TestDatabase.MasterKey;
        builder.Properties["Zapnoty:Smtp:Host"] = "127.0.0.1";
        builder.Properties["Zapnoty:Smtp:Port"] = Smtp.Port.ToString();
        // The fake relay speaks plain SMTP on loopback, the one place clear text is allowed.
        builder.Properties["Zapnoty:Smtp:Security"] = "None";
        // Wrong login codes back off from 10 ms (production: 1 s), so tests reach the daily budgets quickly.
        builder.Properties["Zapnoty:Login:BackOff"] = "00:00:00.010";
        // Receivers run on 127.0.0.1; retries and the sweep are fast so a test sees a whole schedule.
        builder.Properties["Zapnoty:Webhooks:AllowPrivateTargets"] = "true";
        builder.Properties["Zapnoty:Webhooks:SweepPeriod"] = "00:00:01";
        // A stalled receiver is given up on sooner than in production (15 s), still past the slow receivers tests use.
        builder.Properties["Zapnoty:Webhooks:Timeout"] = "00:00:06";
        // Messengers are the fake Bot API; chats are paced and retried fast so tests see whole schedules.
        builder.Properties["Zapnoty:Telegram:ApiBaseUrl"] = Telegram.BaseUrl;
        builder.Properties["Zapnoty:Max:ApiBaseUrl"] = Max.BaseUrl;
        builder.Properties["Zapnoty:PublicBaseUrl"] = "https://helpdesk.example.com";
        foreach (var (key, value) in Payments.Configuration(Stripe, YooKassa)) builder.Properties[key] = value;
        builder.Properties["Zapnoty:Channels:PerChatInterval"] = "00:00:00.100";
        builder.Properties["Zapnoty:Channels:SweepPeriod"] = "00:00:01";
        builder.Properties["Zapnoty:Channels:InFlightLimit"] = "00:00:03";
        // The staff group's pacing (production: 20 a minute) at a test rate: the same queue, a burst of topics in seconds.
        builder.Properties["Zapnoty:StaffGroup:MessagesPerWindow"] = StaffGroupMessagesPerWindow.ToString();
        builder.Properties["Zapnoty:StaffGroup:PacingWindow"] = StaffGroupPacingWindow.ToString("c");
        // SLA reminders re-tick every 2 s and the backstop sweeps every second (production: 1 min).
        builder.Properties["Zapnoty:Sla:ReminderPeriod"] = "00:00:02";
        builder.Properties["Zapnoty:Sla:SweepPeriod"] = "00:00:01";
        // Load tests fire hundreds of writes a second from one key; the other budgets are the
        // published defaults (RateLimitTests spends them).
        builder.Properties["Zapnoty:RateLimits:Writes:PermitsPerMinute"] = "20000";
        // As in production (the test host may run as Development, where Swagger UI is on by default).
        builder.Properties["Zapnoty:Swagger:Enabled"] = "false";
        // Unknown bot ids are forgotten fast so a test sees their activation go.
        builder.Properties["Zapnoty:Channels:UnknownBotMemory"] = "00:00:03";
        // Cached credentials are re-read every second (production: a minute), so a test sees a missed revocation land.
        builder.Properties["Zapnoty:Credentials:RecheckPeriod"] = "00:00:01";
        // Live streams re-check access every second (production: 15 s) and queue few events, so a
        // test sees a removed member cut off and a client that does not read told to reset.
        builder.Properties["Zapnoty:Live:HeartbeatPeriod"] = "00:00:01";
        builder.Properties["Zapnoty:Live:Buffer"] = "64";
        // Nothing balances these silos' traffic; stopping them need not wait for one.
        builder.Properties["Zapnoty:Shutdown:DrainDelay"] = "00:00:00";
        for (var i = 0; i < 3; i++)
            builder.Properties[$"Zapnoty:Channels:RetryDelays:{i}"] = "00:00:00.200";
        for (var i = 0; i < WebhookRetries; i++)
            builder.Properties[$"Zapnoty:Webhooks:RetryDelays:{i}"] = "00:00:00.300";
        builder.AddSiloBuilderConfigurator<ZapnotyTestSilo>();
        builder.AddClientBuilderConfigurator<ZapnotyTestClient>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();

        Silos = Cluster.Silos.Select(silo => new HttpClient { BaseAddress = ApiAddress(silo) }).ToList();
        await StatusRecorder.SaveServedDocument(Silos[0]);
    }

    public static Uri ApiAddress(SiloHandle silo)
    {
        var host = ((InProcessSiloHandle)silo).SiloHost;
        var metrics = MetricsListener.From(host.Services.GetRequiredService<IConfiguration>());
        var addresses = host.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses;
        return new Uri(addresses.Select(a => new Uri(a)).First(a => a.Port != metrics?.Port).ToString().TrimEnd('/'));
    }

    public ApiClient Api(int silo = 0) => new(Silos[silo], Smtp);

    /// <summary>The silo's internal metrics listener (<c>Zapnoty:Metrics:Port</c>), not its API port.</summary>
    public Uri MetricsAddress(int silo)
    {
        var host = ((InProcessSiloHandle)Cluster.Silos[silo]).SiloHost;
        var listener = MetricsListener.From(host.Services.GetRequiredService<IConfiguration>())!;
        return new Uri(listener.Url);
    }

    /// <summary>Every versioned API route the silo serves, as (method, route pattern).</summary>
    public IReadOnlyList<(string Method, string Route)> ApiRoutes()
    {
        var host = ((InProcessSiloHandle)Cluster.Silos[0]).SiloHost;
        return host.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/v1", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"])
                .Select(method => (method, e.RoutePattern.RawText!.TrimEnd('/'))))
            .ToList();
    }

    public async Task DisposeAsync()
    {
        foreach (var client in Silos) client.Dispose();
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        await Database.DisposeAsync();
        await Smtp.DisposeAsync();
        await Telegram.DisposeAsync();
        await Max.DisposeAsync();
        await Stripe.DisposeAsync();
        await YooKassa.DisposeAsync();
    }
}

/// <summary>The production silo setup on a test silo, plus the API on a free loopback port.</summary>
public sealed class ZapnotyTestSilo : ISiloConfigurator, IHostConfigurator
{
    /// <summary>Orleans rereads its reminder table every 2 s here (production: 5 min).</summary>
    public static readonly TimeSpan ReminderRefreshPeriod = TimeSpan.FromSeconds(2);

    public void Configure(ISiloBuilder siloBuilder)
    {
        siloBuilder.UseZapnotyPostgres(siloBuilder.Configuration.GetConnectionString("Postgres")!);
        // New tickets' reminder rows due later than one refresh (plus a reminder period) are written
        // with the ticket and started by that refresh: a short refresh lets a test watch one tick.
        siloBuilder.Configure<ReminderOptions>(o => o.RefreshReminderListPeriod = ReminderRefreshPeriod);
    }

    public void Configure(IHostBuilder hostBuilder)
    {
        // Each silo its own metrics port, as two silos on one host would have in production.
        var metricsPort = FreePort();
        hostBuilder.ConfigureAppConfiguration(config => config.AddInMemoryCollection(
            new Dictionary<string, string?> { [$"{MetricsListener.Section}:Port"] = metricsPort.ToString() }));
        hostBuilder.ConfigureServices((context, services) => services.AddZapnoty(context.Configuration));
        hostBuilder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning)
            // Every level for the capture, which records only while a test asks it to.
            .AddProvider(LogCapture.Instance).AddFilter<LogCapture>(null, LogLevel.Trace));
        hostBuilder.ConfigureWebHost(web => web
            .UseKestrel()
            .UseUrls("http://127.0.0.1:0", $"http://127.0.0.1:{metricsPort}")
            .Configure(app => app.UseStatusRecorder().UseZapnotyApi()));
    }

    private static int FreePort()
    {
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        return ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
    }
}

public sealed class ZapnotyTestClient : IClientBuilderConfigurator
{
    public void Configure(IConfiguration configuration, IClientBuilder clientBuilder) =>
        clientBuilder.UseAdoNetClustering(o =>
        {
            o.Invariant = SiloSetup.Invariant;
            o.ConnectionString = configuration.GetConnectionString("Postgres");
        });
}

/// <summary>The cluster, and one headless Chromium (started only when a dashboard test asks for a page).</summary>
[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>, ICollectionFixture<Dashboard.BrowserFixture>
{
    public const string Name = "cluster";
}
