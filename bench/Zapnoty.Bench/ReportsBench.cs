using System.Diagnostics;
using System.Net.Http.Headers;
using Npgsql;
using Zapnoty.Grains.Reports;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Bench;

/// <summary>
/// Reports at scale (issue 20): one project of <c>tickets</c> tickets over about two years (one a
/// minute from 2024-01-01, loaded by SQL through ScaleData, so the rollup triggers run as for any
/// writer) beside <c>others</c> projects of 1,000. Every report for the last 30 and 365 days of
/// its history through the REST API, against two references measured in the same run: the same
/// question as one plain SQL statement over the raw tickets (<see cref="ReportsBaseline"/>, the
/// baseline) and the product's rollup reads called in this process (ReportStore and CustomerReport,
/// as the handler calls them, minus HTTP, the silo and JSON: the API's overhead). Then the export
/// of every ticket: PostgreSQL's own COPY to CSV (the baseline), the API's CSV and XLSX: rows per
/// second and the silo's resident memory while it streams. Loading and measuring run in quiet windows.
/// </summary>
public static class ReportsBench
{
    private const int PerOther = 1_000, Block = 100_000;

    public static async Task Run(ZapnotyApi api, NpgsqlDataSource db, SiloProcess silo, int tickets, int others, int clients,
        TimeSpan warmup, TimeSpan duration)
    {
        var project = await api.CreateProject();
        var started = Stopwatch.StartNew();
        // Loading writes for minutes; alone on the machine it takes a fraction of the time (as ScaleBench).
        // ZAPNOTY_BENCH_QUIET_LOADING=0 loads beside other work (slower), keeping quiet windows for measuring.
        await using (Environment.GetEnvironmentVariable("ZAPNOTY_BENCH_QUIET_LOADING") == "0" ? null : await QuietWindow.Open(waitForLowLoad: false))
        {
            await ScaleBench.LoadOthers(db, others);
            for (long loaded = 0; loaded < tickets; loaded += Block)
                await ScaleData.Load(db, [project.Id], (int)Math.Min(Block, tickets - loaded), loaded, 50_000_000 + loaded, rareNumber: Block / 2);
        }
        var load = started.Elapsed;
        var rollupRows = await Scalar(db, "SELECT count(*) FROM report_rollups WHERE project_id = $1", project.Id);
        await new ReportStore(db).Fold(project.Id, CancellationToken.None);
        var folded = await Scalar(db, "SELECT count(*) FROM report_rollups WHERE project_id = $1", project.Id);
        await using (var vacuum = db.CreateCommand("VACUUM (ANALYZE) tickets, ticket_messages, report_rollups")) { vacuum.CommandTimeout = 0; await vacuum.ExecuteNonQueryAsync(); }
        Console.WriteLine($"loaded {tickets:N0} tickets (+{others * PerOther:N0} in {others:N0} others) in {load.TotalSeconds:F0} s; " +
                          $"the project's rollup rows: {rollupRows:N0}, folded {folded:N0}");

        // The history runs one ticket a minute from 2024-01-01; the ranges end on its last full day.
        var last = DateOnly.FromDateTime(new DateTime(2024, 1, 1).AddMinutes(tickets)).AddDays(-1);
        var store = new ReportStore(db);
        var customers = new CustomerReport(db);
        var plain = new ReportsBaseline(db, project.Id);
        var results = new List<(string Case, LoadResult Api, LoadResult Plain, LoadResult InProcess)>();
        // The goals are stated for a quiet machine: the measuring waits for one (see QuietWindow).
        var quiet = await QuietWindow.Open();
        await using (quiet)
        {
            foreach (var days in new[] { 30, 365 })
            {
                var range = new ReportRange(last.AddDays(1 - days), last);
                var query = $"from={range.From:yyyy-MM-dd}&to={range.To:yyyy-MM-dd}";
                var cases = new (string Name, string Path, ReportGrouping Grouping)[]
                {
                    ("overview", "reports/overview", ReportGrouping.Total),
                    ("volume by day", "reports/volume?group_by=day", ReportGrouping.Day),
                    ("volume by week", "reports/volume?group_by=week", ReportGrouping.Week),
                    ("volume by channel", "reports/volume?group_by=channel", ReportGrouping.Channel),
                    ("volume by priority", "reports/volume?group_by=priority", ReportGrouping.Priority),
                    ("volume by type", "reports/volume?group_by=type", ReportGrouping.Type),
                    ("volume by tag", "reports/volume?group_by=tag", ReportGrouping.Tag),
                    ("agents", "reports/agents", ReportGrouping.Agent),
                    ("hours", "reports/hours", ReportGrouping.Hour),
                };
                foreach (var (name, path, grouping) in cases)
                {
                    var url = $"/v1/projects/{project.Id}/{path}{(path.Contains('?') ? '&' : '?')}{query}";
                    var viaApi = await LoadRun.Measure($"{name} {days} d", clients, warmup, duration, _ => api.GetOk(project, url));
                    var viaPlain = await MeasurePlain($"{name} {days} d (plain SQL)", clients, warmup, duration, plain.Report(grouping, range));
                    // The overview's handler also reads tickets per customer.
                    var inProcess = await LoadRun.Measure($"{name} {days} d (in-process)", clients, warmup, duration, async _ =>
                    {
                        await store.Read(project.Id, range, grouping, CancellationToken.None);
                        if (grouping == ReportGrouping.Total) await customers.Read(project.Id, range, CancellationToken.None);
                    });
                    results.Add(($"{name}, {days} days", viaApi, viaPlain, inProcess));
                    // As it goes, so a run stopped half-way still tells what it measured.
                    Console.WriteLine($"{name}, {days} days: API p95 {viaApi.P95Ms:F1} ms, plain SQL p95 {viaPlain.P95Ms:F1} ms, in-process p95 {inProcess.P95Ms:F1} ms");
                }
            }

            var loadAverage = File.Exists("/proc/loadavg") ? (await File.ReadAllTextAsync("/proc/loadavg")).Split(' ')[..3] : ["n/a"];
            Console.WriteLine();
            Console.WriteLine($"tickets in the project={tickets:N0} (+{others * PerOther:N0} in {others:N0} others) cores={Environment.ProcessorCount} " +
                              $"clients={clients} {duration.TotalSeconds:F0} s per case after {warmup.TotalSeconds:F0} s warm-up; load average at the end {string.Join(" ", loadAverage)}; {quiet}");
            Console.WriteLine("| report | API req/s | API p50 ms | API p95 ms | API p99 ms | plain SQL p50 ms | plain SQL p95 ms | API p95 ÷ plain p95 | in-process p50 ms | in-process p95 ms | failures |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var (name, viaApi, viaPlain, inProcess) in results)
                Console.WriteLine($"| {name} | {viaApi.PerSecond:F0} | {viaApi.P50Ms:F1} | {viaApi.P95Ms:F1} | {viaApi.P99Ms:F1} | " +
                                  $"{viaPlain.P50Ms:F1}{(viaPlain.Window.Start == 0 ? " ‡" : "")} | {viaPlain.P95Ms:F1} | {viaApi.P95Ms / viaPlain.P95Ms:F2}× | {inProcess.P50Ms:F1} | {inProcess.P95Ms:F1} | " +
                                  $"{viaApi.Failures}/{viaPlain.Failures}/{inProcess.Failures} |");

            Console.WriteLine($"‡ a plain statement outlasted the {duration.TotalSeconds:F0} s window at {clients} clients: {SequentialRuns} runs one after another instead (median, slowest)");

            await Copy(plain, tickets);
            await Export(api, project, silo, tickets, "csv");
            await Export(api, project, silo, tickets, "xlsx");
        }
    }

    private const int SequentialRuns = 3;

    /// <summary>
    /// The baseline as the API is measured; a statement slower than the whole window (the 365-day scans at
    /// scale) completes nothing in it, so it is timed over a few runs one after another instead (a window of 0).
    /// </summary>
    private static async Task<LoadResult> MeasurePlain(string name, int clients, TimeSpan warmup, TimeSpan duration, Func<CancellationToken, Task> query)
    {
        var result = await LoadRun.Measure(name, clients, warmup, duration, _ => query(CancellationToken.None));
        if (result.Requests > 0) return result;
        var runs = new List<double>();
        for (var i = 0; i < SequentialRuns; i++)
        {
            var clock = Stopwatch.StartNew();
            await query(CancellationToken.None);
            runs.Add(clock.Elapsed.TotalMilliseconds);
        }
        runs.Sort();
        return new LoadResult(name, runs.Count, 0, runs.Sum() / 1000, runs[runs.Count / 2], runs[^1],
            new LoadWindow(0, 0, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, 0), null) { P95Ms = runs[^1] };
    }

    /// <summary>The export's baseline: the same tickets and columns as CSV straight from PostgreSQL's COPY.</summary>
    private static async Task Copy(ReportsBaseline plain, int tickets)
    {
        var end = new DateTimeOffset(DateOnly.FromDateTime(new DateTime(2024, 1, 1).AddMinutes(tickets)).AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var clock = Stopwatch.StartNew();
        var rows = await plain.CopyCsv(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), end, CancellationToken.None);
        var seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine();
        Console.WriteLine($"plain COPY ... TO STDOUT (FORMAT csv) through Npgsql: {rows:N0} tickets in {seconds:F1} s = {rows / seconds:N0} rows/s");
    }

    /// <summary>
    /// Every ticket of the project as CSV or XLSX, read as it streams: rows per second (CSV: the
    /// lines read, less the header; XLSX: the tickets asked for) and the silo's memory meanwhile.
    /// </summary>
    private static async Task Export(ZapnotyApi api, BenchProject project, SiloProcess silo, int tickets, string format)
    {
        var before = silo.Memory();
        var to = DateOnly.FromDateTime(new DateTime(2024, 1, 1).AddMinutes(tickets)).AddDays(1);
        using var request = new HttpRequestMessage(HttpMethod.Get,
            $"/v1/projects/{project.Id}/helpdesk/tickets/export?from=2024-01-01&to={to:yyyy-MM-dd}&format={format}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", project.Key);
        var clock = Stopwatch.StartNew();
        using var response = await api.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[81920];
        long lines = 0, bytes = 0, peakRss = before.Rss;
        var sampled = Stopwatch.StartNew();
        int read;
        while ((read = await body.ReadAsync(buffer)) > 0)
        {
            bytes += read;
            lines += buffer.AsSpan(0, read).Count((byte)'\n');
            if (sampled.ElapsedMilliseconds >= 250)
            {
                peakRss = Math.Max(peakRss, silo.Memory().Rss);
                sampled.Restart();
            }
        }
        var seconds = clock.Elapsed.TotalSeconds;
        var rows = format == "csv" ? lines - 1 : tickets;
        Console.WriteLine();
        Console.WriteLine($"{format.ToUpperInvariant()} export: {rows:N0} tickets, {bytes / 1e6:F1} MB in {seconds:F1} s = {rows / seconds:N0} rows/s; " +
                          $"silo RSS {before.Rss / 1e6:F0} MB before, at most {peakRss / 1e6:F0} MB while streaming");
    }

    private static async Task<long> Scalar(NpgsqlDataSource db, string sql, Guid project)
    {
        await using var command = db.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = project });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
