using System.Diagnostics;
using Npgsql;
using Zapnoty.Grains.Tests.Infrastructure;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Bench;

/// <summary>
/// The read path at scale (issue 17): one project with <c>tickets</c> tickets beside <c>others</c>
/// projects (1,000 by default) holding 1,000 each, loaded by SQL (ScaleData), then the ticket list with each
/// filter, the status counts, a deep page and searches (by number, a rare word, a common word, a
/// customer's name) through the REST API at 4 and 32 clients, each against its baseline measured
/// in the same run: the same statements through Npgsql in this process (TicketList, as the
/// API's handler calls it, minus HTTP, the silo and JSON).
/// </summary>
public static class ScaleBench
{
    private const int PerOther = 1_000, Block = 100_000;
    private static readonly int[] Clients = [4, 32];

    public static async Task Run(ZapnotyApi api, NpgsqlDataSource db, int tickets, int others, TimeSpan warmup, TimeSpan duration)
    {
        var project = await api.CreateProject();
        var started = Stopwatch.StartNew();
        await LoadOthers(db, others);
        Console.WriteLine($"loaded {others * PerOther:N0} tickets in {others:N0} projects in {started.Elapsed.TotalSeconds:F0} s");
        // Measured at 100,000 first when the project grows beyond, so one run shows the growth.
        long loaded = 0;
        foreach (var size in new long[] { Block, tickets }.Where(n => n <= tickets).Distinct())
        {
            started.Restart();
            for (; loaded < size; loaded += Block)
                await ScaleData.Load(db, [project.Id], (int)Math.Min(Block, size - loaded), loaded, 50_000_000 + loaded, rareNumber: Block / 2);
            var load = started.Elapsed;
            await using (var vacuum = db.CreateCommand("VACUUM (ANALYZE) tickets, customers, ticket_messages")) { vacuum.CommandTimeout = 0; await vacuum.ExecuteNonQueryAsync(); }
            Console.WriteLine($"the project has {size:N0} tickets (loading took {load.TotalSeconds:F0} s, VACUUM ANALYZE {(started.Elapsed - load).TotalSeconds:F0} s)");
            await Measure(api, db, project, size, others, warmup, duration);
        }
    }

    private static async Task Measure(ZapnotyApi api, NpgsqlDataSource db, BenchProject project, long tickets, int others, TimeSpan warmup, TimeSpan duration)
    {
        var list = new TicketList(db);
        var now = DateTimeOffset.UtcNow;
        var agent = await Scalar<Guid>(db, "SELECT md5('u' || 3)::uuid");
        var all = new TicketFilter(project.Id, Limit: 51);
        TicketFilter Search(string q) => all with { Search = TicketSearch.Parse(q, out _) };
        var cases = new (string Name, string Query, Func<CancellationToken, Task> Sql)[]
        {
            ("list", "", ct => list.Find(all, now, ct)),
            ("status=new", "status=new", ct => list.Find(all with { Status = TicketStatus.New }, now, ct)),
            ("status=closed", "status=closed", ct => list.Find(all with { Status = TicketStatus.Closed }, now, ct)),
            ("priority=urgent", "priority=urgent", ct => list.Find(all with { Priority = TicketPriority.Urgent }, now, ct)),
            ("assignee_id=<agent>", $"assignee_id={agent}", ct => list.Find(all with { AssigneeId = agent }, now, ct)),
            ("assignee_id=none", "assignee_id=none", ct => list.Find(all with { Unassigned = true }, now, ct)),
            ("overdue=true", "overdue=true", ct => list.Find(all with { OverdueOnly = true }, now, ct)),
            ("deep page (cursor at the middle)", $"cursor={Cursor(tickets / 2)}", ct => list.Find(all with { BeforeNumber = tickets / 2 }, now, ct)),
            ("counts", "counts", ct => list.Count(all, now, ct)),
            ($"q=#{tickets / 2} (number)", $"q=%23{tickets / 2}", ct => list.Search(Search($"#{tickets / 2}"), null, now, ct)),
            ("q=xylophone (one message, #50,000)", "q=xylophone", ct => list.Search(Search("xylophone"), null, now, ct)),
            ("q=refund (common word)", "q=refund", ct => list.Search(Search("refund"), null, now, ct)),
            ("q=Customer 12345 (a name)", "q=Customer%2012345", ct => list.Search(Search("Customer 12345"), null, now, ct)),
            ("q=заказы (common, Russian)", "q=%D0%B7%D0%B0%D0%BA%D0%B0%D0%B7%D1%8B", ct => list.Search(Search("заказы"), null, now, ct)),
        };

        var results = new List<(string Case, int Clients, LoadResult Api, LoadResult Sql)>();
        foreach (var clients in Clients)
            foreach (var (name, query, sql) in cases)
            {
                var path = query == "counts" ? $"/v1/projects/{project.Id}/helpdesk/tickets/counts"
                    : $"/v1/projects/{project.Id}/helpdesk/tickets?limit=50" + (query.Length > 0 ? "&" + query : "");
                var viaApi = await LoadRun.Measure(name, clients, warmup, duration, _ => api.GetOk(project, path));
                var viaSql = await LoadRun.Measure(name + " (SQL)", clients, warmup, duration, _ => sql(CancellationToken.None));
                results.Add((name, clients, viaApi, viaSql));
            }

        var load = File.Exists("/proc/loadavg") ? (await File.ReadAllTextAsync("/proc/loadavg")).Split(' ')[..3] : ["n/a"];
        Console.WriteLine();
        Console.WriteLine($"tickets in the project={tickets:N0} (+{others * PerOther:N0} in {others:N0} others) cores={Environment.ProcessorCount} " +
                          $"{duration.TotalSeconds:F0} s per case after {warmup.TotalSeconds:F0} s warm-up; load average at the end {string.Join(" ", load)}");
        Console.WriteLine("| request | clients | API req/s | API p50 ms | API p95 ms | API p99 ms | SQL p50 ms | SQL p95 ms | SQL p99 ms | failures |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (name, clients, viaApi, viaSql) in results)
            Console.WriteLine($"| {name} | {clients} | {viaApi.PerSecond:F0} | {viaApi.P50Ms:F1} | {viaApi.P95Ms:F1} | {viaApi.P99Ms:F1} | " +
                              $"{viaSql.P50Ms:F1} | {viaSql.P95Ms:F1} | {viaSql.P99Ms:F1} | {viaApi.Failures + viaSql.Failures} |");
    }

    /// <summary>Projects of 1,000 tickets each, written straight into the database in blocks of 100 projects.</summary>
    internal static async Task LoadOthers(NpgsqlDataSource db, int others)
    {
        var ids = Enumerable.Range(0, others).Select(_ => Guid.NewGuid()).ToArray();
        await using (var projects = db.CreateCommand("""
            INSERT INTO projects (id, name, slug, created_at, updated_at)
            SELECT id, 'scale ' || id, 'scale-' || id, now(), now() FROM unnest($1::uuid[]) id
            """))
        {
            projects.Parameters.Add(new NpgsqlParameter { Value = ids });
            await projects.ExecuteNonQueryAsync();
        }
        for (var i = 0; i < others; i += 100)
            await ScaleData.Load(db, ids[i..Math.Min(i + 100, others)], PerOther, 0, 10_000_000 + (long)i * PerOther, rareNumber: 0);
    }

    private static string Cursor(long number) =>
        Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(number.ToString())).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static async Task<T> Scalar<T>(NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
