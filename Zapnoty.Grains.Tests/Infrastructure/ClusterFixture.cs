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

    /// <summary>One HTTP client per silo, pointed at that silo's API.</summary>
    public IReadOnlyList<HttpClient> Silos { get; private set; } = [];

    public IGrainFactory Grains => Cluster.GrainFactory;

    /// <summary>Retries after the first attempt, 0.3 s apart: a delivery finally fails about 3 s after its event.</summary>
    public const int WebhookRetries = 10;

    public async Task InitializeAsync()
    {
        ConnectionString = await TestDatabase.Create("cluster");
        Telegram = await FakeTelegramServer.Start();
        Max = await FakeMaxServer.Start();
        Database = NpgsqlDataSource.Create(ConnectionString);
        await new DatabaseMigrator(Database, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);

        var builder = new TestClusterBuilder(initialSilosCount: 2);
        builder.Options.UseTestClusterMembership = false;
        builder.Properties["ConnectionStrings:Postgres"] = ConnectionString;
        builder.Properties["Zapnoty:Smtp:Host"] = "127.0.0.1";
        builder.Properties["Zapnoty:Smtp:Port"] = Smtp.Port.ToString();
        // The fake relay speaks plain SMTP on loopback, the one place clear text is allowed.
        builder.Properties["Zapnoty:Smtp:Security"] = "None";
        // Wrong login codes back off from 10 ms (production: 1 s), so tests reach the daily budgets quickly.
        builder.Properties["Zapnoty:Login:BackOff"] = "00:00:00.010";
        // Receivers run on 127.0.0.1; retries and the sweep are fast so a test sees a whole schedule.
        builder.Properties["Zapnoty:Webhooks:AllowPrivateTargets"] = "true";
        builder.Properties["Zapnoty:Webhooks:SweepPeriod"] = "00:00:01";
        // Messengers are the fake Bot API; chats are paced and retried fast so tests see whole schedules.
        builder.Properties["Zapnoty:Telegram:ApiBaseUrl"] = Telegram.BaseUrl;
        builder.Properties["Zapnoty:Max:ApiBaseUrl"] = Max.BaseUrl;
        builder.Properties["Zapnoty:PublicBaseUrl"] = "https://helpdesk.example.com";
        builder.Properties["Zapnoty:Channels:PerChatInterval"] = "00:00:00.100";
        builder.Properties["Zapnoty:Channels:SweepPeriod"] = "00:00:01";
        builder.Properties["Zapnoty:Channels:InFlightLimit"] = "00:00:03";
        // SLA reminders re-tick every 2 s and the backstop sweeps every second (production: 1 min).
        builder.Properties["Zapnoty:Sla:ReminderPeriod"] = "00:00:02";
        builder.Properties["Zapnoty:Sla:SweepPeriod"] = "00:00:01";
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
    }

    public static Uri ApiAddress(SiloHandle silo)
    {
        var host = ((InProcessSiloHandle)silo).SiloHost;
        var address = LoopbackApp.Address(host.Services);
        return new Uri(address);
    }

    public ApiClient Api(int silo = 0) => new(Silos[silo], Smtp);

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
        hostBuilder.ConfigureServices((context, services) => services.AddZapnoty(context.Configuration));
        hostBuilder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning)
            // Every level for the capture, which records only while a test asks it to.
            .AddProvider(LogCapture.Instance).AddFilter<LogCapture>(null, LogLevel.Trace));
        hostBuilder.ConfigureWebHost(web => web
            .UseKestrel()
            .UseUrls("http://127.0.0.1:0")
            .Configure(app => app.UseZapnotyApi()));
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
