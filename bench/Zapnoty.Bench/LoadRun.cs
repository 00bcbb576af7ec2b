using System.Diagnostics;

namespace Zapnoty.Bench;

/// <summary>The outcome of one closed-loop run: throughput and latency percentiles.</summary>
public sealed record LoadResult(string Name, int Requests, int Failures, double Seconds, double P50Ms, double P99Ms)
{
    public double PerSecond => Requests / Seconds;
}

/// <summary>
/// Closed loop: <c>workers</c> callers each send the next request as soon as the previous one
/// answered, for a fixed time after a warm-up; latency is measured per request.
/// </summary>
public static class LoadRun
{
    public static async Task<LoadResult> Measure(string name, int workers, TimeSpan warmup, TimeSpan duration, Func<int, Task> request)
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
        Volatile.Write(ref measuring, true);
        await Task.Delay(duration);
        Volatile.Write(ref measuring, false);
        var seconds = clock.Elapsed.TotalSeconds;
        Volatile.Write(ref stop, true);
        await Task.WhenAll(tasks);

        var all = latencies.SelectMany(l => l).Order().ToArray();
        return new LoadResult(name, all.Length, failures.Sum(), seconds, Percentile(all, 0.50), Percentile(all, 0.99));
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
