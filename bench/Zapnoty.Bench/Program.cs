using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Zapnoty.Bench;
using Zapnoty.Grains;
using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Tests.Infrastructure;
using Zapnoty.Grains.Tickets;

// Ticket creation through the REST API against the same SQL done directly with Npgsql, in one
// run on one machine, so the ratios hold even when the machine is shared and noisy.
// Usage: Zapnoty.Bench <connection string> <silo dll> [workers] [seconds] [projects]
var connectionString = args[0];
var siloDll = args[1];
var workers = args.Length > 2 ? int.Parse(args[2]) : 32;
var duration = TimeSpan.FromSeconds(args.Length > 3 ? int.Parse(args[3]) : 15);
var projectCount = args.Length > 4 ? int.Parse(args[4]) : 50;
var warmup = TimeSpan.FromSeconds(3);
var port = 5400 + Random.Shared.Next(500);
var baseUrl = $"http://127.0.0.1:{port}";

await using var smtp = new FakeSmtpServer();
using var silo = StartSilo(siloDll, connectionString, baseUrl, smtp.Port);
try
{
    using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = workers * 2 }) { BaseAddress = new Uri(baseUrl) };
    await WaitReady(http);

    var email = $"bench-{Guid.NewGuid():N}@example.com";
    await http.PostAsJsonAsync("/v1/auth/login", new { email });
    var code = await smtp.WaitForCode(email, 0);
    var session = await (await http.PostAsJsonAsync("/v1/auth/verify", new { email, code })).Content.ReadFromJsonAsync<JsonElement>();
    http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", session.GetProperty("token").GetString());

    var projects = new List<(Guid Id, string Key)>();
    for (var i = 0; i < projectCount; i++)
    {
        var slug = $"bench-{Guid.NewGuid():N}"[..24];
        var created = await (await http.PostAsJsonAsync("/v1/projects", new { name = slug, slug })).Content.ReadFromJsonAsync<JsonElement>();
        var id = created.GetProperty("id").GetGuid();
        var key = await (await http.PostAsJsonAsync($"/v1/projects/{id}/api-keys", new { name = "bench" })).Content.ReadFromJsonAsync<JsonElement>();
        projects.Add((id, key.GetProperty("key").GetString()!));
    }
    http.DefaultRequestHeaders.Authorization = null;

    await using var db = new NpgsqlDataSourceBuilder(connectionString) { ConnectionStringBuilder = { MaxPoolSize = workers + 10 } }.Build();
    var store = new TicketCreationStore(db);
    var counter = 0;

    Task ViaRest(Guid projectId, string key)
    {
        var n = Interlocked.Increment(ref counter);
        return Rest(http, projectId, key, n);
    }

    Task ViaSql(Guid projectId)
    {
        var n = Interlocked.Increment(ref counter);
        var now = DateTimeOffset.UtcNow;
        var request = new NewTicket(Channel.Api, new CustomerIdentity($"customer-{n % 1000}", "Bench Customer", null, null),
            $"Bench ticket {n}: the order did not arrive", null, null, null, Actor.System);
        return store.Insert(projectId, [new PreparedTicket(Guid.NewGuid(), request, $"Bench ticket {n}", TicketPriority.Normal,
            null, now, null, null, Guid.NewGuid(), Guid.NewGuid())], CancellationToken.None);
    }

    var hot = projects[0];
    var results = new List<LoadResult>
    {
        await LoadRun.Measure("sql, many projects", workers, warmup, duration, w => ViaSql(projects[w % projects.Count].Id)),
        await LoadRun.Measure("rest, many projects", workers, warmup, duration, w => ViaRest(projects[w % projects.Count].Id, projects[w % projects.Count].Key)),
        await LoadRun.Measure("sql, one hot project", workers, warmup, duration, _ => ViaSql(hot.Id)),
        await LoadRun.Measure("rest, one hot project", workers, warmup, duration, _ => ViaRest(hot.Id, hot.Key)),
    };

    Console.WriteLine();
    Console.WriteLine($"workers={workers} duration={duration.TotalSeconds}s projects={projectCount} cores={Environment.ProcessorCount}");
    Console.WriteLine("| run | tickets/s | p50 ms | p99 ms | failures |");
    Console.WriteLine("|---|---:|---:|---:|---:|");
    foreach (var r in results)
        Console.WriteLine($"| {r.Name} | {r.PerSecond:F0} | {r.P50Ms:F2} | {r.P99Ms:F2} | {r.Failures} |");
    Console.WriteLine();
    Console.WriteLine("| scenario | REST/SQL tickets/s | REST/SQL p50 | REST/SQL p99 |");
    Console.WriteLine("|---|---:|---:|---:|");
    foreach (var (sql, rest, name) in new[] { (results[0], results[1], "many projects"), (results[2], results[3], "one hot project") })
        Console.WriteLine($"| {name} | {rest.PerSecond / sql.PerSecond:F2}x | {rest.P50Ms / sql.P50Ms:F2}x | {rest.P99Ms / sql.P99Ms:F2}x |");

    await using var check = db.CreateCommand("SELECT count(*) = max(number) AND count(DISTINCT number) = count(*) FROM tickets WHERE project_id = $1");
    check.Parameters.Add(new NpgsqlParameter { Value = hot.Id });
    Console.WriteLine($"hot project numbers gapless and unique: {await check.ExecuteScalarAsync()}");
}
finally
{
    silo.Kill(entireProcessTree: true);
}

static async Task Rest(HttpClient http, Guid projectId, string key, int n)
{
    using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/projects/{projectId}/helpdesk/tickets")
    {
        Content = JsonContent.Create(new
        {
            text = $"Bench ticket {n}: the order did not arrive",
            subject = $"Bench ticket {n}",
            customer = new { external_id = $"customer-{n % 1000}", name = "Bench Customer" },
        }),
    };
    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
    using var response = await http.SendAsync(request);
    if ((int)response.StatusCode != 201) throw new InvalidOperationException($"HTTP {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
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
