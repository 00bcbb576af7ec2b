using System.Net.Http.Headers;
using System.Net.Http.Json;
using Npgsql;
using Zapnoty.Grains;
using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Bench;

/// <summary>
/// Ticket creation through the REST API against the same SQL done directly with Npgsql, on
/// many projects and on one hot project.
/// </summary>
public static class TicketCreationBench
{
    public static async Task Run(HttpClient http, NpgsqlDataSource db, IReadOnlyList<BenchProject> projects, int workers, TimeSpan warmup, TimeSpan duration)
    {
        var store = new TicketCreationStore(db);
        var counter = 0;

        Task ViaRest(BenchProject project) => Rest(http, project, Interlocked.Increment(ref counter));
        Task ViaSql(BenchProject project) => Sql(store, project, Interlocked.Increment(ref counter));

        var hot = projects[0];
        var results = new List<LoadResult>
        {
            await LoadRun.Measure("sql, many projects", workers, warmup, duration, w => ViaSql(projects[w % projects.Count])),
            await LoadRun.Measure("rest, many projects", workers, warmup, duration, w => ViaRest(projects[w % projects.Count])),
            await LoadRun.Measure("sql, one hot project", workers, warmup, duration, _ => ViaSql(hot)),
            await LoadRun.Measure("rest, one hot project", workers, warmup, duration, _ => ViaRest(hot)),
        };

        Console.WriteLine();
        Console.WriteLine($"workers={workers} duration={duration.TotalSeconds}s projects={projects.Count} cores={Environment.ProcessorCount}");
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

    /// <summary>The baseline: the ticket's SQL through Npgsql, one ticket per transaction, no HTTP, no Orleans.</summary>
    private static Task Sql(TicketCreationStore store, BenchProject project, int n)
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
