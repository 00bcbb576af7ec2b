using Zapnoty.Api;
using Zapnoty.Grains.Storage;
using Zapnoty.Silo;

var builder = WebApplication.CreateBuilder(args);
if (string.IsNullOrEmpty(builder.Configuration["urls"]))
    builder.WebHost.UseUrls("http://127.0.0.1:5080");
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));

builder.Services.AddZapnoty(builder.Configuration);
var connectionString = builder.Configuration.GetConnectionString("Postgres")!;
builder.UseOrleans(silo => silo
    .UseZapnotyEndpoints(builder.Configuration)
    .UseZapnotyPostgres(connectionString));

var app = builder.Build();

// Before Orleans starts: clustering needs its tables. Silos starting together take turns.
await app.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync(app.Lifetime.ApplicationStopping);

app.UseZapnotyApi();
app.Lifetime.ApplicationStarted.Register(() =>
{
    foreach (var url in app.Urls)
        app.Logger.LogInformation("Zapnoty Helpdesk API on {Url} — Swagger UI at {Url}/swagger", url, url);
});
await app.RunAsync();
