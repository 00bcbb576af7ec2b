using System.Diagnostics;
using Npgsql;

namespace Zapnoty.Bench;

/// <summary>The outcome of one closed-loop run: throughput and latency percentiles.</summary>
public sealed record LoadResult(string Name, int Requests, int Failures, double Seconds, double P50Ms, double P99Ms, LoadWindow Window,
    DatabaseActivity? Database)
{
    /// <summary>The 95th percentile (the scale scenario's goals are stated at p95).</summary>
    public double P95Ms { get; init; } = double.NaN;

    public double PerSecond => Requests / Seconds;

    /// <summary>Database transactions and WAL syncs per request in the window, when the run counted them.</summary>
    public string PerRequest(Func<DatabaseActivity, long> counter) => Database is null ? "" : $"{(double)counter(Database) / Requests:F2}";
}

/// <summary>
/// When the measured part of a run was, on the monotonic clock (for what the bench timestamps
/// itself, like webhook arrivals) and on the wall clock (for rows the silo timestamps), and
/// when the last worker finished after it.
/// </summary>
public sealed record LoadWindow(long Start, long End, DateTimeOffset StartUtc, DateTimeOffset EndUtc, long Stopped)
{
    public bool Contains(long timestamp) => timestamp >= Start && timestamp < End;
}

/// <summary>
/// Closed loop: <c>workers</c> callers each send the next request as soon as the previous one
/// answered, for a fixed time after a warm-up; latency is measured per request. Given a
/// database, it also counts what the database did during the window.
/// </summary>
public static class LoadRun
{
    public static async Task<LoadResult> Measure(string name, int workers, TimeSpan warmup, TimeSpan duration, Func<int, Task> request,
        NpgsqlDataSource? db = null)
    {
        var measuring = false;
        var stop = false;
        var latencies = new List<double>[workers];
        var failures = new int[workers];
        var tasks = Enumerable.Range(0, workers).Select(async worker =>
        {
            latencies[worker] = new List<double>(100_000);
            await Task.Yield();
            while (!Volatile.Read(ref stop))
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await request(worker);
                    if (Volatile.Read(ref measuring)) latencies[worker].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
                catch (Exception e)
                {
                    if (Volatile.Read(ref measuring) && failures[worker]++ == 0) Console.Error.WriteLine($"{name}: {e.Message}");
                }
            }
        }).ToArray();

        await Task.Delay(warmup);
        var clock = Stopwatch.StartNew();
        var (start, startUtc) = (Stopwatch.GetTimestamp(), DateTimeOffset.UtcNow);
        Volatile.Write(ref measuring, true);
        var before = db is null ? null : await DatabaseActivity.Read(db);
        await Task.Delay(duration);
        Volatile.Write(ref measuring, false);
        var (end, endUtc) = (Stopwatch.GetTimestamp(), DateTimeOffset.UtcNow);
        var seconds = clock.Elapsed.TotalSeconds;
        var activity = db is null ? null : await DatabaseActivity.Read(db) - before!;
        Volatile.Write(ref stop, true);
        await Task.WhenAll(tasks);

        var all = latencies.SelectMany(l => l).Order().ToArray();
        return new LoadResult(name, all.Length, failures.Sum(), seconds, Percentile(all, 0.50), Percentile(all, 0.99),
            new LoadWindow(start, end, startUtc, endUtc, Stopwatch.GetTimestamp()), activity) { P95Ms = Percentile(all, 0.95) };
    }

    public static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
