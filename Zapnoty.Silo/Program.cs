using Orleans.Dashboard;
using Zapnoty.Api;
using Zapnoty.Api.Observability;
using Zapnoty.Grains.Storage;
using Zapnoty.Silo;

var builder = WebApplication.CreateBuilder(args);
var orleansDashboard = OrleansDashboardHosting.From(builder.Configuration);
var metrics = MetricsListener.From(builder.Configuration);
// ASPNETCORE_URLS (or --urls) as given, else loopback; the Orleans Dashboard adds a listener of its own.
var apiUrls = (builder.Configuration["urls"] is { Length: > 0 } urls ? urls : "http://127.0.0.1:5080")
    .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
builder.WebHost.UseUrls([.. apiUrls, .. orleansDashboard is null ? Array.Empty<string>() : [orleansDashboard.Url],
    .. metrics is null ? Array.Empty<string>() : [metrics.Url]]);
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));

builder.Services.AddZapnoty(builder.Configuration);
var connectionString = builder.Configuration.GetConnectionString("Postgres")!;
builder.UseOrleans(silo =>
{
    silo.UseZapnotyEndpoints(builder.Configuration).UseZapnotyMembership(builder.Configuration).UseZapnotyPostgres(connectionString);
    if (orleansDashboard is not null) silo.AddDashboard();
});

var app = builder.Build();

// Before Orleans starts: clustering needs its tables. Silos starting together take turns.
await app.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync(app.Lifetime.ApplicationStopping);

app.UseZapnotyApi();
orleansDashboard?.Map(app);
app.Lifetime.ApplicationStarted.Register(() =>
{
    var swaggerUi = ZapnotyApi.SwaggerUiEnabled(app.Services);
    foreach (var url in apiUrls)
        // Each placeholder once: the JSON formatter writes every one as a field of its own.
        if (swaggerUi) app.Logger.LogInformation("Zapnoty Helpdesk API on {Url} — Swagger UI at {SwaggerUrl}", url, $"{url}/swagger");
        else app.Logger.LogInformation("Zapnoty Helpdesk API on {Url} (Swagger UI off)", url);
    if (orleansDashboard is not null)
        app.Logger.LogInformation("Orleans Dashboard on {Url}{Prefix}/", orleansDashboard.Url, OrleansDashboardHosting.RoutePrefix);
    if (metrics is not null)
        app.Logger.LogInformation("Prometheus metrics on {Url}{Path}", metrics.Url, Telemetry.ScrapePath);
});
await app.RunAsync();
