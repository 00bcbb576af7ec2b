using System.Net.Http.Headers;
using System.Net.Http.Json;
using Npgsql;
using Zapnoty.Grains;
using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Bench;

/// <summary>
/// Ticket creation through the REST API against the same work done in one SQL statement per
/// ticket (<see cref="SameWorkSql"/>), on many projects and on one hot project, with the
/// database's commits per created ticket counted in each window.
/// </summary>
public static class TicketCreationBench
{
    // The batched baseline: what one statement over arrays does for a batch of a hot project's tickets.
    private const int BatchSize = 16;

    public static async Task Run(HttpClient http, NpgsqlDataSource db, IReadOnlyList<BenchProject> projects, int workers, TimeSpan warmup, TimeSpan duration)
    {
        var store = new TicketCreationStore(db);
        var counter = 0;

        Task ViaRest(BenchProject project) => Rest(http, project, Interlocked.Increment(ref counter));
        Task ViaSql(BenchProject project) => SameWorkSql.Create(db, project, Interlocked.Increment(ref counter), 1);
        Task ViaSqlBatch(BenchProject project) => SameWorkSql.Create(db, project, Interlocked.Add(ref counter, BatchSize), BatchSize);
        Task ViaStore(BenchProject project) => Store(store, project, Interlocked.Increment(ref counter));

        var hot = projects[0];
        var results = new List<(LoadResult Run, int TicketsPerRequest, string RoundTrips)>
        {
            (await LoadRun.Measure("sql, one statement per ticket, many projects", workers, warmup, duration, w => ViaSql(projects[w % projects.Count]), db), 1, "1"),
            (await LoadRun.Measure("rest, many projects", workers, warmup, duration, w => ViaRest(projects[w % projects.Count]), db), 1, "1 per batch"),
            (await LoadRun.Measure("product store through Npgsql, one ticket per call, many projects", workers, warmup, duration,
                w => ViaStore(projects[w % projects.Count]), db), 1, "1"),
            (await LoadRun.Measure("sql, one statement per ticket, one hot project", workers, warmup, duration, _ => ViaSql(hot), db), 1, "1"),
            (await LoadRun.Measure("rest, one hot project", workers, warmup, duration, _ => ViaRest(hot), db), 1, "1 per batch"),
            (await LoadRun.Measure($"sql, one statement per {BatchSize} tickets, one hot project", workers, warmup, duration, _ => ViaSqlBatch(hot), db),
                BatchSize, $"1/{BatchSize}"),
        };

        Console.WriteLine();
        Console.WriteLine($"workers={workers} duration={duration.TotalSeconds}s projects={projects.Count} cores={Environment.ProcessorCount} " +
            $"load average={LoadAverage()}");
        Console.WriteLine("| run | tickets/s | p50 ms (call) | p99 ms (call) | failures | commits/ticket | WAL syncs/ticket | round trips/ticket |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (r, per, trips) in results)
        {
            var tickets = (double)r.Requests * per;
            Console.WriteLine($"| {r.Name} | {r.PerSecond * per:F0} | {r.P50Ms:F2} | {r.P99Ms:F2} | {r.Failures} | " +
                $"{r.Database!.Transactions / tickets:F2} | {r.Database.WalSyncs / tickets:F2} | {trips} |");
        }
        Console.WriteLine();
        Console.WriteLine("| scenario | REST/same-work SQL tickets/s | REST/SQL p50 | REST/SQL p99 |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var (sql, rest, name) in new[] { (results[0].Run, results[1].Run, "many projects"), (results[3].Run, results[4].Run, "one hot project") })
            Console.WriteLine($"| {name} | {rest.PerSecond / sql.PerSecond:F2}x | {rest.P50Ms / sql.P50Ms:F2}x | {rest.P99Ms / sql.P99Ms:F2}x |");

        await using var check = db.CreateCommand("SELECT count(*) = max(number) AND count(DISTINCT number) = count(*) FROM tickets WHERE project_id = $1");
        check.Parameters.Add(new NpgsqlParameter { Value = hot.Id });
        Console.WriteLine($"hot project numbers gapless and unique: {await check.ExecuteScalarAsync()}");
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    /// <summary>The product's own store through Npgsql, one ticket per transaction, no HTTP, no Orleans.</summary>
    private static Task Store(TicketCreationStore store, BenchProject project, int n)
    {
        var now = DateTimeOffset.UtcNow;
        var request = new NewTicket(Channel.Api, new CustomerIdentity($"customer-{n % 1000}", "Bench Customer", null, null),
            $"Bench ticket {n}: the order did not arrive", null, null, null, Actor.System);
        return store.Insert(project.Id, [new PreparedTicket(Guid.NewGuid(), request, $"Bench ticket {n}", TicketPriority.Normal,
            null, now, null, null, Guid.NewGuid(), Guid.NewGuid())], [], CancellationToken.None);
    }

    /// <summary>The same ticket through the API; the answer is checked but not parsed, as the SQL side parses nothing either.</summary>
    internal static async Task Rest(HttpClient http, BenchProject project, int n)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/projects/{project.Id}/helpdesk/tickets")
        {
            Content = JsonContent.Create(new
            {
                text = $"Bench ticket {n}: the order did not arrive",
                subject = $"Bench ticket {n}",
                customer = new { external_id = $"customer-{n % 1000}", name = "Bench Customer" },
            }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", project.Key);
        using var response = await http.SendAsync(request);
        if ((int)response.StatusCode != 201) throw new InvalidOperationException($"HTTP {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }
}
