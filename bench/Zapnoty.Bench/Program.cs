using System.Diagnostics;
using Npgsql;
using Zapnoty.Bench;
using Zapnoty.Grains.Tests.Infrastructure;

// Benchmarks of one real silo process against baselines measured in the same run on the same
// machine, so the ratios hold even when the machine is shared and noisy:
//  - tickets:  ticket creation through the REST API vs the same SQL through Npgsql;
//  - webhooks: events delivered per second vs raw signed POSTs to the same receiver, and the
//              latency a webhook endpoint adds to a reply.
// Usage: Zapnoty.Bench <connection string> <silo dll> [workers] [seconds] [projects] [tickets|webhooks|all]
var connectionString = args[0];
var siloDll = args[1];
var workers = args.Length > 2 ? int.Parse(args[2]) : 32;
var duration = TimeSpan.FromSeconds(args.Length > 3 ? int.Parse(args[3]) : 15);
var projectCount = args.Length > 4 ? int.Parse(args[4]) : 50;
var scenarios = args.Length > 5 ? args[5] : "all";
if (scenarios is not ("all" or "tickets" or "webhooks"))
    throw new ArgumentException($"Unknown scenario set '{scenarios}': use tickets, webhooks or all.");
var warmup = TimeSpan.FromSeconds(3);
var port = 5400 + Random.Shared.Next(500);
var baseUrl = $"http://127.0.0.1:{port}";

await using var smtp = new FakeSmtpServer();
using var silo = StartSilo(siloDll, connectionString, baseUrl, smtp.Port);
try
{
    using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = workers * 2 }) { BaseAddress = new Uri(baseUrl) };
    await WaitReady(http);
    var api = new ZapnotyApi(http);
    await api.LogIn(smtp);
    await using var db = new NpgsqlDataSourceBuilder(connectionString) { ConnectionStringBuilder = { MaxPoolSize = workers + 10 } }.Build();

    if (scenarios is "all" or "tickets")
        await TicketCreationBench.Run(http, db, await api.CreateProjects(projectCount), workers, warmup, duration);

    if (scenarios is "all" or "webhooks")
    {
        await using var receiver = await WebhookReceiver.Start();
        await WebhookDeliveryBench.Run(api, receiver, db, projectCount, workers, warmup, duration);
        await ReplyLatencyBench.Run(api, receiver, db, workers, warmup, duration);
    }
}
finally
{
    silo.Kill(entireProcessTree: true);
}

static Process StartSilo(string dll, string connectionString, string url, int smtpPort)
{
    var start = new ProcessStartInfo("dotnet", [dll])
    {
        WorkingDirectory = Path.GetDirectoryName(dll)!,
        RedirectStandardOutput = true,
        RedirectStandardError = true,
    };
    start.Environment["ConnectionStrings__Postgres"] = connectionString;
    start.Environment["ASPNETCORE_URLS"] = url;
    start.Environment["Zapnoty__Smtp__Host"] = "127.0.0.1";
    start.Environment["Zapnoty__Smtp__Port"] = smtpPort.ToString();
    // The benchmark's webhook receiver listens on 127.0.0.1, which production refuses (SSRF guard).
    start.Environment["Zapnoty__Webhooks__AllowPrivateTargets"] = "true";
    start.Environment["Orleans__ClusterId"] = "bench-" + Guid.NewGuid().ToString("N")[..8];
    start.Environment["Logging__LogLevel__Default"] = "Warning";
    start.Environment["Logging__LogLevel__Orleans.Runtime.Silo"] = "Warning";
    var process = Process.Start(start)!;
    process.OutputDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine("silo: " + e.Data); };
    process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine("silo: " + e.Data); };
    process.BeginOutputReadLine();
    process.BeginErrorReadLine();
    return process;
}

static async Task WaitReady(HttpClient http)
{
    var deadline = DateTime.UtcNow.AddSeconds(60);
    while (DateTime.UtcNow < deadline)
    {
        try
        {
            if ((await http.GetAsync("/health/ready")).IsSuccessStatusCode) return;
        }
        catch (HttpRequestException) { }
        await Task.Delay(250);
    }
    throw new TimeoutException("The silo did not become ready in 60 s");
}
