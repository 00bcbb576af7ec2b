namespace Zapnoty.Bench.Cluster;

/// <summary>The figures of one run, printed for docs/BENCHMARKS.md. Times are from the driver's clock, which the silos share.</summary>
public sealed record ClusterReport(Balancer Balancer, ClusterLoad Load, DateTimeOffset Terminated, DateTimeOffset Exited, DateTimeOffset Killed,
    DateTimeOffset? DeclaredDead, TimeSpan AddTook, DateTimeOffset LoadEnded)
{
    public long BusyTickets { get; init; }
    public long SlaTickets { get; init; }
    public IReadOnlyList<Attempt> AppliedWithoutAnswer { get; init; } = [];
    public required SlaResult Sla { get; init; }
    public required WebhookResult Webhooks { get; init; }
    public required IReadOnlyList<ReadinessProbe> DrainProbes { get; init; }
    public int GrainCallsRetriedBeforeKill { get; init; }
    public int GrainCallsRetriedAfterKill { get; init; }
    public BurnResult? Burn { get; init; }
    public IReadOnlyList<Detection> Detections { get; init; } = [];

    public void Print()
    {
        var attempts = Balancer.Attempts.ToList();
        var failed = attempts.Where(a => !a.Succeeded).ToList();
        var first = attempts.Min(a => a.Sent);
        var stop5xx = attempts.Count(a => a.Status >= 500 && a.Ended >= Terminated && a.Ended < Killed);
        var afterKill = failed.Where(a => a.Ended >= Killed).ToList();
        var window = afterKill.Count == 0 ? "none" : $"{Seconds(afterKill.Max(a => a.Ended) - afterKill.Min(a => a.Ended))} (+{Seconds(afterKill.Min(a => a.Ended) - Killed)} … +{Seconds(afterKill.Max(a => a.Ended) - Killed)})";
        Console.WriteLine($"""

            --- cluster check figures ---
            load: {Load.Tickets.Count} tickets and {Load.Replies.Count} replies acknowledged over {Seconds(LoadEnded - first)} ({attempts.Count / (LoadEnded - first).TotalSeconds:F0} requests/s through {ClusterLoad.Workers}+1 workers); numbers gapless: busy 1..{BusyTickets}, SLA 1..{SlaTickets}
            graceful stop of silo 1 (SIGTERM): exited after {Seconds(Exited - Terminated)}; /health/ready answered 503 to {DrainProbes.Count(p => p.Status == 503)} of {DrainProbes.Count} probes meanwhile; silo 1 still served {attempts.Count(a => a.Silo == 1 && a.Succeeded && a.Sent > Terminated)} requests after SIGTERM; failed requests from SIGTERM to the kill: {Describe(failed.Where(a => a.Ended >= Terminated && a.Ended < Killed))}
            kill of silo 2 (SIGKILL): failed requests after it: {Describe(failed.Where(a => a.Ended >= Killed))}; error window {Window(failed.Where(a => a.Ended >= Killed))}; declared dead by the cluster after {(DeclaredDead is { } dead ? Seconds(dead - Killed) : "never")}
            add silo 4: ready (cluster.sh add 4 returned) after {Seconds(AddTook)}; it served {attempts.Count(a => a.Silo == 4 && a.Succeeded)} requests
            requests with no 2xx that were applied anyway: {Describe(AppliedWithoutAnswer)} of {failed.Count}
            SLA after the kill: {Sla.Breached} of {Sla.DueAfterKill} resolution targets recorded as breached, {Sla.Missing} missing; lateness median {Seconds(Sla.MedianLateness)}, max {Seconds(Sla.MaxLateness)}
            webhooks after the kill: {Webhooks.Received} of {Webhooks.EventsAfterKill} events arrived; {Webhooks.Duplicates} arrived twice
            grain calls retried inside the silos (GrainCallRetry): {GrainCallsRetriedBeforeKill} up to the kill, {GrainCallsRetriedAfterKill} after it
            crash detector (every closed inbound connection dials every active silo on 127.0.0.1): {(Detections.Count == 0 ? "declared no silo dead" : string.Join(", ", Detections.GroupBy(d => d).Select(g => $"silo {g.Key.By} declared silo {g.Key.Declared} dead{(g.Count() > 1 ? $" ({g.Count()} times)" : "")}")))}; live silos declared dead: {Detections.Count(d => d.Declared != 2)}
            {(Burn is { } burn ? $"CPU saturated for {Seconds(burn.Period)} under the load: {burn.MissedProbes} missed probes logged, {burn.SuspicionVotes} suspicion votes in the membership table, {burn.WrongfulDeaths} silos declared dead" : "CPU burn: not run (ZAPNOTY_CLUSTER_CPU_BURN=seconds)")}
            summary: graceful stop 5xx {stop5xx}; kill: error window {window}, failed requests {afterKill.Count}, retried by the balancer {afterKill.Count}, grain calls retried in the silos {GrainCallsRetriedAfterKill}, declared dead +{(DeclaredDead is { } d ? Seconds(d - Killed) : "never")}
            """);
    }

    private string Window(IEnumerable<Attempt> failures)
    {
        var list = failures.ToList();
        return list.Count == 0 ? "none" : $"first failure +{Seconds(list.Min(a => a.Ended) - Killed)}, last +{Seconds(list.Max(a => a.Ended) - Killed)} after SIGKILL";
    }

    private static string Describe(IEnumerable<Attempt> failures)
    {
        var list = failures.ToList();
        if (list.Count == 0) return "0";
        var kinds = list.GroupBy(a => $"{a.Operation} {a.Status?.ToString() ?? a.Error}").Select(g => $"{g.Count()} {g.Key}");
        var silos = list.GroupBy(a => a.Silo).OrderBy(g => g.Key).Select(g => $"silo {g.Key}: {g.Count()}");
        return $"{list.Count} ({string.Join(", ", kinds)}; {string.Join(", ", silos)})";
    }

    private static string Seconds(TimeSpan t) => $"{t.TotalSeconds:F1} s";
}

/// <summary>Silo <see cref="By"/>'s crash detector declared silo <see cref="Declared"/> dead.</summary>
public sealed record Detection(int By, int Declared);

/// <summary>What a CPU burn under load did to membership: missed probes, votes, deaths of silos that were alive.</summary>
public sealed record BurnResult(TimeSpan Period, int MissedProbes, int SuspicionVotes, int WrongfulDeaths);
