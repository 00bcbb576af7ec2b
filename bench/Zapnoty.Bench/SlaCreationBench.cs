using System.Diagnostics;
using Npgsql;

namespace Zapnoty.Bench;

/// <summary>
/// What SLA targets cost ticket creation, on one silo with production settings: creation through
/// the API on projects with targets against projects without, in the same run, alternating, on
/// many projects and on one hot project (where the group commit puts many creations into one
/// transaction). The hot project is measured with far targets (hours: the reminder row goes into
/// the creation's transaction) and with near ones (minutes: registered with Orleans after the
/// commit). The short part of the <c>sla</c> scenario, without its 100,000-ticket fill and restarts.
/// </summary>
public static class SlaCreationBench
{
    private const decimal FirstReplyHours = 8;
    private const decimal ResolveHours = 72;
    // 5.4 minutes: nearer than Orleans' refresh (5 min) plus one reminder period (1 min), so
    // registered through Orleans' reminder service; and past the end of the run, so no breach
    // falls due while it measures.
    private const decimal NearFirstReplyHours = 0.09m;
    private const int Rounds = 2;

    public static async Task Run(ZapnotyApi api, HttpClient http, NpgsqlDataSource db, int projectCount, int workers, TimeSpan warmup, TimeSpan duration)
    {
        var plain = await api.CreateProjects(projectCount);
        var sla = await api.CreateProjects(projectCount);
        foreach (var project in sla) await api.SetSla(project, FirstReplyHours, ResolveHours);
        var (hotPlain, hotFar, hotNear) = (await api.CreateProject(), await api.CreateProject(), await api.CreateProject());
        await api.SetSla(hotFar, FirstReplyHours, ResolveHours);
        await api.SetSla(hotNear, NearFirstReplyHours, ResolveHours);

        var label = 0;
        var spread = 0;
        Task Create(BenchProject project) => TicketCreationBench.Rest(http, project, Interlocked.Increment(ref label));
        BenchProject Next(IReadOnlyList<BenchProject> projects) => projects[(int)((uint)Interlocked.Increment(ref spread) % projects.Count)];

        await LoadRun.Measure("warm-up", workers, TimeSpan.Zero, warmup, _ => Create(Next(plain)));
        var rounds = new List<LoadResult[]>();
        for (var round = 1; round <= Rounds; round++)
            rounds.Add(
            [
                await LoadRun.Measure($"many projects, no SLA #{round}", workers, warmup, duration, _ => Create(Next(plain))),
                await LoadRun.Measure($"many projects, SLA #{round}", workers, warmup, duration, _ => Create(Next(sla))),
                await LoadRun.Measure($"one hot project, no SLA #{round}", workers, warmup, duration, _ => Create(hotPlain)),
                await LoadRun.Measure($"one hot project, SLA in hours #{round}", workers, warmup, duration, _ => Create(hotFar)),
                await LoadRun.Measure($"one hot project, SLA in minutes #{round}", workers, warmup, duration, _ => Create(hotNear)),
            ]);
        var answered = Stopwatch.GetTimestamp();
        var withTargets = await Count(db, "SELECT count(*) FROM tickets WHERE first_reply_due_at IS NOT NULL");
        var rowsAtOnce = await Count(db, "SELECT count(*) FROM orleansreminderstable");
        var rows = rowsAtOnce;
        while (rows < withTargets && Stopwatch.GetElapsedTime(answered) < TimeSpan.FromMinutes(1))
        {
            await Task.Delay(100);
            rows = await Count(db, "SELECT count(*) FROM orleansreminderstable");
        }

        Console.WriteLine();
        Console.WriteLine($"workers={workers} duration={duration.TotalSeconds}s projects={projectCount} cores={Environment.ProcessorCount}");
        Console.WriteLine("| run | tickets/s | p50 ms | p99 ms | failures |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var r in rounds.SelectMany(r => r))
            Console.WriteLine($"| {r.Name} | {r.PerSecond:F0} | {r.P50Ms:F2} | {r.P99Ms:F2} | {r.Failures} |");
        Console.WriteLine();
        Console.WriteLine("| scenario, SLA / no SLA (rounds) | tickets/s | p50 | p99 |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var (name, measured, baseline) in new[] { ("many projects", 1, 0), ("one hot project, hours", 3, 2), ("one hot project, minutes", 4, 2) })
        {
            string Ratios(Func<LoadResult, double> figure) => string.Join(", ", rounds.Select(r => $"{figure(r[measured]) / figure(r[baseline]):F2}x"));
            Console.WriteLine($"| {name} | {Ratios(r => r.PerSecond)} | {Ratios(r => r.P50Ms)} | {Ratios(r => r.P99Ms)} |");
        }
        Console.WriteLine($"tickets with targets {withTargets}; reminder rows when the last answer came {rowsAtOnce}, " +
            $"{rows} after {Stopwatch.GetElapsedTime(answered).TotalSeconds:F1} s");
    }

    private static async Task<long> Count(NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
