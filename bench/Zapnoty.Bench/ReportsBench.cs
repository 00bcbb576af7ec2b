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
/// its history through the REST API, each against the same rollup query run in this process
/// (ReportStore, as the handler calls it, minus HTTP, the silo and JSON); then the CSV export of
/// every ticket: rows per second and the silo's resident memory while it streams.
/// </summary>
public static class ReportsBench
{
    private const int PerOther = 1_000, Block = 100_000;

    public static async Task Run(ZapnotyApi api, NpgsqlDataSource db, SiloProcess silo, int tickets, int others, int clients,
        TimeSpan warmup, TimeSpan duration)
    {
        var project = await api.CreateProject();
        var started = Stopwatch.StartNew();
        await ScaleBench.LoadOthers(db, others);
        for (long loaded = 0; loaded < tickets; loaded += Block)
            await ScaleData.Load(db, [project.Id], (int)Math.Min(Block, tickets - loaded), loaded, 50_000_000 + loaded, rareNumber: Block / 2);
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
        var results = new List<(string Case, LoadResult Api, LoadResult Sql)>();
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
                var viaSql = await LoadRun.Measure($"{name} {days} d (SQL)", clients, warmup, duration,
                    _ => store.Read(project.Id, range, grouping, CancellationToken.None));
                results.Add(($"{name}, {days} days", viaApi, viaSql));
            }
        }

        var loadAverage = File.Exists("/proc/loadavg") ? (await File.ReadAllTextAsync("/proc/loadavg")).Split(' ')[..3] : ["n/a"];
        Console.WriteLine();
        Console.WriteLine($"tickets in the project={tickets:N0} (+{others * PerOther:N0} in {others:N0} others) cores={Environment.ProcessorCount} " +
                          $"clients={clients} {duration.TotalSeconds:F0} s per case after {warmup.TotalSeconds:F0} s warm-up; load average at the end {string.Join(" ", loadAverage)}");
        Console.WriteLine("| report | API req/s | API p50 ms | API p95 ms | API p99 ms | SQL p50 ms | SQL p95 ms | SQL p99 ms | failures |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (name, viaApi, viaSql) in results)
            Console.WriteLine($"| {name} | {viaApi.PerSecond:F0} | {viaApi.P50Ms:F1} | {viaApi.P95Ms:F1} | {viaApi.P99Ms:F1} | " +
                              $"{viaSql.P50Ms:F1} | {viaSql.P95Ms:F1} | {viaSql.P99Ms:F1} | {viaApi.Failures + viaSql.Failures} |");

        await Export(api, project, silo, tickets, "csv");
        await Export(api, project, silo, tickets, "xlsx");
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
