using System.Diagnostics;
using System.Text.Json;
using Npgsql;
using Zapnoty.Grains.Tests.Infrastructure;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Bench;

/// <summary>
/// The read path at scale (issue 17): one project with <c>tickets</c> tickets beside <c>others</c>
/// projects (1,000 by default) holding 1,000 each, loaded by SQL (ScaleData), then the ticket list with each
/// filter, the status counts, a deep page and searches (by number, a rare word, a common word, a
/// customer's name) through the REST API at 4 and 32 clients, measured at 100,000, 1,000,000 and
/// <c>tickets</c>. Each case has two references measured in the same run: the same question as one
/// plain SQL statement (<see cref="ScaleBaseline"/>, the baseline) and, at 4 clients, the product's own
/// statements called in this process (TicketList, as the handler calls it: the API's overhead).
/// </summary>
public static class ScaleBench
{
    private const int PerOther = 1_000, Block = 100_000;
    private static readonly int[] Clients = [4, 32];

    /// <summary>ZAPNOTY_BENCH_QUIET_LOADING=0 loads beside other work (slower), keeping quiet windows for measuring.</summary>
    private static bool QuietLoading => Environment.GetEnvironmentVariable("ZAPNOTY_BENCH_QUIET_LOADING") != "0";

    public static async Task Run(ZapnotyApi api, NpgsqlDataSource db, int tickets, int others, TimeSpan warmup, TimeSpan duration)
    {
        // A database kept from an earlier run (ZAPNOTY_BENCH_DATA) goes on from what it holds.
        var kept = await KeptScale.Read();
        var project = kept?.Project ?? await api.CreateProject();
        others = kept?.Others ?? others;
        // What the project holds, not what the last run wrote down: a run stopped while loading keeps its finished blocks.
        long loaded = kept is null ? 0 : await Scalar<long>(db, $"SELECT count(*) FROM tickets WHERE project_id = '{project.Id}'");
        var started = Stopwatch.StartNew();
        // Loading writes for minutes; alone on the machine it takes a fraction of the time. The window
        // stays open into the measurement at 4 clients (which opens its own) and closes before 32.
        if (kept is null)
        {
            await using (QuietLoading ? await QuietWindow.Open(waitForLowLoad: false) : null)
            {
                await BulkLoadIndexes.SetAside(db);
                await LoadOthers(db, others);
            }
            Console.WriteLine($"loaded {others * PerOther:N0} tickets in {others:N0} projects in {started.Elapsed.TotalSeconds:F0} s");
            await KeptScale.Write(new KeptScale(project, others, 0));
        }
        // Measured at 100,000 and 1,000,000 first when the project grows beyond, so one run shows the growth;
        // a kept database is measured again only at the size asked for (it was measured at the smaller ones).
        foreach (var size in new long[] { Block, 1_000_000, tickets }.Where(n => n <= tickets && (n > loaded || n == tickets)).Distinct())
        {
            await using var loading = QuietLoading ? await QuietWindow.Open(waitForLowLoad: false) : null;
            started.Restart();
            if (loaded < size) await BulkLoadIndexes.SetAside(db);
            for (; loaded < size; loaded += Block)
            {
                await ScaleData.Load(db, [project.Id], (int)Math.Min(Block, size - loaded), loaded, 50_000_000 + loaded, rareNumber: Block / 2);
                Console.WriteLine($"{loaded + Math.Min(Block, size - loaded):N0} tickets in the project after {started.Elapsed.TotalSeconds:F0} s");
            }
            var load = started.Elapsed;
            // Also what a run stopped while loading set aside.
            await BulkLoadIndexes.Build(db);
            var indexes = started.Elapsed - load;
            await using (var vacuum = db.CreateCommand("VACUUM (ANALYZE) tickets, customers, ticket_messages")) { vacuum.CommandTimeout = 0; await vacuum.ExecuteNonQueryAsync(); }
            Console.WriteLine($"the project has {size:N0} tickets (loading took {load.TotalSeconds:F0} s, building the indexes set aside {indexes.TotalSeconds:F0} s, VACUUM ANALYZE {(started.Elapsed - load - indexes).TotalSeconds:F0} s)");
            await KeptScale.Write(new KeptScale(project, others, loaded));
            await Measure(api, db, project, size, others, warmup, duration);
        }
    }

    /// <summary>What a kept benchmark database holds: the project (with its API key), the other projects, the tickets loaded.</summary>
    private sealed record KeptScale(BenchProject Project, int Others, long Loaded)
    {
        private static string? File => Environment.GetEnvironmentVariable("ZAPNOTY_BENCH_DATA") is { Length: > 0 } dir ? Path.Combine(dir, "scale.json") : null;

        public static async Task<KeptScale?> Read() =>
            File is { } file && System.IO.File.Exists(file) ? JsonSerializer.Deserialize<KeptScale>(await System.IO.File.ReadAllTextAsync(file)) : null;

        public static async Task Write(KeptScale scale)
        {
            if (File is { } file) await System.IO.File.WriteAllTextAsync(file, JsonSerializer.Serialize(scale));
        }
    }

    private static async Task Measure(ZapnotyApi api, NpgsqlDataSource db, BenchProject project, long tickets, int others, TimeSpan warmup, TimeSpan duration)
    {
        var list = new TicketList(db);
        var plain = new ScaleBaseline(db, project.Id);
        var now = DateTimeOffset.UtcNow;
        var agent = await Scalar<Guid>(db, "SELECT md5('u' || 3)::uuid");
        var all = new TicketFilter(project.Id, Limit: 51);
        TicketFilter Search(string q) => all with { Search = TicketSearch.Parse(q, out _) };
        Func<CancellationToken, Task> Found(string q) => ct => list.Search(Search(q), null, now, ct);
        var cases = new ScaleCase[]
        {
            new("list", "", ct => list.Find(all, now, ct), plain.List()),
            new("status=new", "status=new", ct => list.Find(all with { Status = TicketStatus.New }, now, ct), plain.List("t.status = $2", "new")),
            new("status=closed", "status=closed", ct => list.Find(all with { Status = TicketStatus.Closed }, now, ct), plain.List("t.status = $2", "closed")),
            new("priority=urgent", "priority=urgent", ct => list.Find(all with { Priority = TicketPriority.Urgent }, now, ct), plain.List("t.priority = $2", "urgent")),
            new("assignee_id=<agent>", $"assignee_id={agent}", ct => list.Find(all with { AssigneeId = agent }, now, ct), plain.List("t.assignee_id = $2", agent)),
            new("assignee_id=none", "assignee_id=none", ct => list.Find(all with { Unassigned = true }, now, ct), plain.List("t.assignee_id IS NULL")),
            new("overdue=true", "overdue=true", ct => list.Find(all with { OverdueOnly = true }, now, ct), plain.Overdues()),
            new("deep page (cursor at the middle)", $"cursor={Cursor(tickets / 2)}", ct => list.Find(all with { BeforeNumber = tickets / 2 }, now, ct),
                plain.List("t.number < $2", tickets / 2)),
            new("counts", "counts", ct => list.Count(all, now, ct), plain.Count()),
            new($"q=#{tickets / 2} (number)", $"q=%23{tickets / 2}", Found($"#{tickets / 2}"), plain.Number(tickets / 2)),
            new("q=xylophone (one message, #50,000)", "q=xylophone", Found("xylophone"), plain.Words("xylophone")),
            new("q=refund (common word)", "q=refund", Found("refund"), plain.Words("refund")),
            new("q=Customer 12345 (a name)", "q=Customer%2012345", Found("Customer 12345"), plain.Words("Customer 12345")),
            new("q=заказы (common, Russian)", "q=%D0%B7%D0%B0%D0%BA%D0%B0%D0%B7%D1%8B", Found("заказы"), plain.Words("заказы")),
        };

        // ZAPNOTY_BENCH_SCALE_CASES (e.g. "q=") measures only the cases whose name contains it, and
        // ZAPNOTY_BENCH_SCALE_CLIENTS (e.g. "4") only those client counts: a before/after of one part
        // on a kept database without the ten minutes of every case.
        if (Environment.GetEnvironmentVariable("ZAPNOTY_BENCH_SCALE_CASES") is { Length: > 0 } only)
            cases = cases.Where(c => c.Name.Contains(only, StringComparison.Ordinal)).ToArray();
        var clientCounts = Environment.GetEnvironmentVariable("ZAPNOTY_BENCH_SCALE_CLIENTS") is { Length: > 0 } counts
            ? counts.Split(',').Select(int.Parse).ToArray() : Clients;
        var results = new List<(ScaleCase Case, int Clients, LoadResult Api, LoadResult Plain, LoadResult? InProcess)>();
        foreach (var clients in clientCounts)
        {
            // The goals are stated at 4 clients: those cases wait for a quiet machine (see QuietWindow).
            await using var quiet = clients <= 4 ? await QuietWindow.Open() : null;
            foreach (var c in cases)
            {
                var path = c.Query == "counts" ? $"/v1/projects/{project.Id}/helpdesk/tickets/counts"
                    : $"/v1/projects/{project.Id}/helpdesk/tickets?limit=50" + (c.Query.Length > 0 ? "&" + c.Query : "");
                var viaApi = await LoadRun.Measure(c.Name, clients, warmup, duration, _ => api.GetOk(project, path));
                var viaPlain = await LoadRun.Measure(c.Name + " (plain SQL)", clients, warmup, duration, _ => c.Plain(CancellationToken.None));
                var inProcess = clients <= 4 ? await LoadRun.Measure(c.Name + " (in-process)", clients, warmup, duration, _ => c.InProcess(CancellationToken.None)) : null;
                results.Add((c, clients, viaApi, viaPlain, inProcess));
            }
            if (quiet is not null) Console.WriteLine($"4 clients: {quiet}");
        }

        var load = File.Exists("/proc/loadavg") ? (await File.ReadAllTextAsync("/proc/loadavg")).Split(' ')[..3] : ["n/a"];
        Console.WriteLine();
        Console.WriteLine($"tickets in the project={tickets:N0} (+{others * PerOther:N0} in {others:N0} others) cores={Environment.ProcessorCount} " +
                          $"{duration.TotalSeconds:F0} s per case after {warmup.TotalSeconds:F0} s warm-up; load average at the end {string.Join(" ", load)}");
        Console.WriteLine("| request | clients | API req/s | API p50 ms | API p95 ms | API p99 ms | plain SQL p50 ms | plain SQL p95 ms | API p95 ÷ plain p95 | in-process p50 ms | in-process p95 ms | failures |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (c, clients, viaApi, viaPlain, inProcess) in results)
            Console.WriteLine($"| {c.Name} | {clients} | {viaApi.PerSecond:F0} | {viaApi.P50Ms:F1} | {viaApi.P95Ms:F1} | {viaApi.P99Ms:F1} | " +
                              $"{viaPlain.P50Ms:F1} | {viaPlain.P95Ms:F1} | {viaApi.P95Ms / viaPlain.P95Ms:F2}× | " +
                              $"{inProcess?.P50Ms.ToString("F1") ?? "–"} | {inProcess?.P95Ms.ToString("F1") ?? "–"} | " +
                              $"{viaApi.Failures}/{viaPlain.Failures}{(inProcess is null ? "" : "/" + inProcess.Failures)} |");
    }

    private sealed record ScaleCase(string Name, string Query, Func<CancellationToken, Task> InProcess, Func<CancellationToken, Task> Plain);

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
