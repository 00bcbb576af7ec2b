using System.Diagnostics;

namespace Zapnoty.Bench.Live;

/// <summary>The live scenario's figures: the pipeline's latencies beside the baseline's, and what was lost.</summary>
public sealed class LiveReport(LiveDashboards dashboards, long[] sent, double[] acks, double[] hops, int failures, int perSecond,
    double sendSeconds, int keys, int perKey)
{
    /// <summary>The issue's goal for an update to reach the dashboards on the other silo.</summary>
    private const double GoalP99Ms = 250;

    public string LoadBefore { get; init; } = "?";
    public string LoadAfter { get; init; } = "?";
    public long SiloA { get; init; }
    public long SiloB { get; init; }

    public void Print()
    {
        var acked = Enumerable.Range(0, sent.Length).Where(u => sent[u] != 0).ToList();
        var deliveries = new List<double>(acked.Count * dashboards.Streams);
        var first = new List<double>();
        var last = new List<(int Update, double Ms)>();
        long lost = 0;
        foreach (var update in acked)
        {
            double? earliest = null, latest = null;
            var complete = true;
            for (var stream = 0; stream < dashboards.Streams; stream++)
            {
                var arrival = dashboards.Arrival(update, stream);
                if (arrival == 0)
                {
                    lost++;
                    complete = false;
                    continue;
                }
                var ms = Stopwatch.GetElapsedTime(sent[update], arrival).TotalMilliseconds;
                deliveries.Add(ms);
                earliest = Math.Min(earliest ?? ms, ms);
                latest = Math.Max(latest ?? ms, ms);
            }
            if (earliest is { } e) first.Add(e);
            if (complete && latest is { } l) last.Add((update, l));
        }
        var baseline = acked.Select(u => acks[u] + hops[u]).ToList();
        var all = Row("every delivery (update × stream)", deliveries);

        Console.WriteLine();
        Console.WriteLine($"live updates: {acked.Count} Telegram updates posted to silo A at {perSecond}/s for {sendSeconds:F0} s (even: a new customer, " +
            $"a new ticket; odd: a message in one of 50 open tickets); {dashboards.Streams} event streams on silo B ({keys} API keys × {perKey})");
        Console.WriteLine("| path | count | p50 ms | p95 ms | p99 ms | max ms |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        Console.WriteLine(Row("baseline: webhook acknowledged by A", acked.Select(u => acks[u]).ToList()));
        Console.WriteLine(Row("baseline: pg_notify to a LISTEN connection", acked.Select(u => hops[u]).ToList()));
        Console.WriteLine(Row("baseline: acknowledged + pg_notify hop", baseline));
        Console.WriteLine(Row("update → first stream on B", first));
        Console.WriteLine(all);
        Console.WriteLine(Row("update → last of the streams on B", last.Select(l => l.Ms).ToList()));
        Console.WriteLine(Row("  of which new tickets (ticket.created)", last.Where(l => l.Update % 2 == 0).Select(l => l.Ms).ToList()));
        Console.WriteLine(Row("  of which messages (message.created)", last.Where(l => l.Update % 2 == 1).Select(l => l.Ms).ToList()));
        var p99 = Percentile(deliveries, 0.99);
        var baseP99 = Percentile(baseline, 0.99);
        Console.WriteLine($"every delivery p99 {p99:F1} ms = {p99 / baseP99:F1}x the baseline's p99; goal p99 < {GoalP99Ms} ms: {(p99 < GoalP99Ms ? "met" : "NOT met")}");
        Console.WriteLine($"lost (update × stream never read): {lost}; updates refused: {failures}; resets read: {dashboards.Resets}; " +
            $"streams ended by the server: {dashboards.Ended}");
        Console.WriteLine($"load average (1 min) before {LoadBefore}, after {LoadAfter}; silo RSS A {SiloA / 1048576} MB, B {SiloB / 1048576} MB");
    }

    private static string Row(string name, List<double> values) =>
        $"| {name} | {values.Count} | {Percentile(values, 0.50):F1} | {Percentile(values, 0.95):F1} | {Percentile(values, 0.99):F1} " +
        $"| {(values.Count == 0 ? double.NaN : values.Max()):F1} |";

    private static double Percentile(List<double> values, double p) => LoadRun.Percentile(values.Order().ToArray(), p);
}
