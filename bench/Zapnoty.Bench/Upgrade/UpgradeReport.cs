using System.Text.Json;
using Zapnoty.Bench.Cluster;

namespace Zapnoty.Bench.Upgrade;

/// <summary>
/// The figures of one upgrade run and the promises read from them: which version served how
/// much, what crossed between the versions, which 5xx came back. Times are from the driver's
/// clock, which the silos share.
/// </summary>
public sealed record UpgradeReport(Balancer Balancer, ClusterLoad Load, string PreviousCommit, DateTimeOffset Joining, DateTimeOffset Joined,
    DateTimeOffset Terminated, DateTimeOffset Exited, DateTimeOffset LoadEnded)
{
    public TimeSpan OldStarted { get; init; }
    public required IReadOnlyList<string> NewMigrations { get; init; }
    public required IReadOnlyDictionary<int, IReadOnlyDictionary<string, long>> Grains { get; init; }
    public required GuardResult Guard { get; init; }
    public required int OldSiloPort { get; init; }
    public long BusyTickets { get; init; }
    public long SteadyTickets { get; init; }
    public IReadOnlyList<Attempt> AppliedWithoutAnswer { get; init; } = [];

    private List<Attempt> Attempts => Balancer.Attempts.ToList();

    /// <summary>A 5xx is a broken promise unless it is the documented 503 with Retry-After.</summary>
    private List<Attempt> Undocumented5xx => Attempts.Where(a => a.Status >= 500 && !(a.Status == 503 && a.RetryAfter is not null)).ToList();

    /// <summary>
    /// The documented 503 belongs to a silo leaving. Before the drain no silo leaves, and a
    /// call the other version cannot read comes back as a rejection, which the API answers
    /// 503 too: so a 503 there is a broken promise as well, not noise.
    /// </summary>
    private List<Attempt> UnavailableBeforeDrain => Attempts.Where(a => a.Status == 503 && a.RetryAfter is not null && a.Ended < Terminated).ToList();

    public void Judge(ClusterVerdict verdict)
    {
        var (oldToNew, newToOld, _) = Crossings();
        var mixed = Attempts.Where(a => a.Succeeded && a.Sent >= Joined && a.Ended <= Terminated).ToList();
        verdict.Require(Undocumented5xx.Count == 0, $"{Undocumented5xx.Count} answers were a 5xx other than 503 with Retry-After: {Describe(Undocumented5xx)}");
        verdict.Require(UnavailableBeforeDrain.Count == 0,
            $"{UnavailableBeforeDrain.Count} answers were 503 before any silo left (calls between the versions rejected?): {Describe(UnavailableBeforeDrain)}");
        verdict.Require(mixed.Any(a => a.Silo == UpgradeCheck.Old) && mixed.Any(a => a.Silo == UpgradeCheck.New),
            $"both versions did not serve while mixed (old {mixed.Count(a => a.Silo == UpgradeCheck.Old)}, new {mixed.Count(a => a.Silo == UpgradeCheck.New)} requests)");
        // The other way (opened through new, replied through old) has only the mixed phase and is
        // reported, not required: on a starved machine it can be a handful.
        verdict.Require(oldToNew > 0, $"no ticket opened through the old version got a reply through the new one ({oldToNew}; the other way {newToOld})");
        verdict.Require(SiloMetrics.Ours(Grains[UpgradeCheck.Old]) > 0 && SiloMetrics.Ours(Grains[UpgradeCheck.New]) > 0,
            $"both versions must host grain activations while mixed (old: {SiloMetrics.Describe(Grains[UpgradeCheck.Old])}; new: {SiloMetrics.Describe(Grains[UpgradeCheck.New])})");
        verdict.Require(Guard.Refused && Guard.NamedPorts.Contains(OldSiloPort),
            $"the migration guard did not refuse a breaking migration naming the running old silo: {Guard.Message}");
    }

    /// <summary>
    /// Replies acknowledged by one version to tickets opened through the other: the ticket's
    /// grain lives on one of the two silos, so such a reply crossed versions either in the grain
    /// call or in the state the other version wrote. The third figure: replies through the new
    /// version, after the old one left, to tickets the old one opened (state re-read from storage).
    /// </summary>
    private (int OldToNew, int NewToOld, int AfterDrain) Crossings()
    {
        var servedBy = Attempts.Where(a => a.Succeeded).ToDictionary(a => a.Marker, a => a.Silo);
        var openedBy = Load.Tickets.Where(t => servedBy.ContainsKey(t.Marker)).ToDictionary(t => t.Id, t => servedBy[t.Marker]);
        var pairs = Load.Replies.Where(r => servedBy.ContainsKey(r.Marker) && openedBy.ContainsKey(r.TicketId))
            .Select(r => (Opened: openedBy[r.TicketId], Replied: servedBy[r.Marker], r.At)).ToList();
        return (pairs.Count(p => p is { Opened: UpgradeCheck.Old, Replied: UpgradeCheck.New }),
            pairs.Count(p => p is { Opened: UpgradeCheck.New, Replied: UpgradeCheck.Old }),
            pairs.Count(p => p is { Opened: UpgradeCheck.Old, Replied: UpgradeCheck.New } && p.At > Exited));
    }

    public void Print()
    {
        var attempts = Attempts;
        var first = attempts.Min(a => a.Sent);
        var (oldToNew, newToOld, afterDrain) = Crossings();
        var fiveHundreds = attempts.Where(a => a.Status >= 500).ToList();
        Console.WriteLine($"""

            --- upgrade check figures ---
            old silo ({PreviousCommit}) ready after {Seconds(OldStarted)}, migrating the empty database as that release does
            new silo joined under load in {Seconds(Joined - Joining)}, applying {(NewMigrations.Count == 0 ? "no migration (the schema is unchanged since that release)" : $"{NewMigrations.Count} migrations: {string.Join(", ", NewMigrations.Order())}")}
            load: {Load.Tickets.Count} tickets and {Load.Replies.Count} replies acknowledged over {Seconds(LoadEnded - first)}; numbers gapless: busy 1..{BusyTickets}, steady 1..{SteadyTickets}
            served (2xx): old {Served(UpgradeCheck.Old, first, LoadEnded)} ({Served(UpgradeCheck.Old, Joined, Terminated)} while mixed), new {Served(UpgradeCheck.New, first, LoadEnded)} ({Served(UpgradeCheck.New, Joined, Terminated)} while mixed, {Served(UpgradeCheck.New, Exited, LoadEnded)} alone)
            across versions: replies through new to tickets opened through old {oldToNew} ({afterDrain} after the old silo left), through old to tickets opened through new {newToOld}
            grain activations after {Seconds(Terminated - Joined)} mixed: old {SiloMetrics.Describe(Grains[UpgradeCheck.Old])}; new {SiloMetrics.Describe(Grains[UpgradeCheck.New])}
            drain of the old silo (SIGTERM): exited after {Seconds(Exited - Terminated)}; failed requests from SIGTERM on: {Describe(attempts.Where(a => !a.Succeeded && a.Ended >= Terminated))}
            5xx: {fiveHundreds.Count(a => a.Status == 503 && a.RetryAfter is not null)} were 503 with Retry-After ({UnavailableBeforeDrain.Count} of them before the drain), {Undocumented5xx.Count} others; no answer at all: {attempts.Count(a => a.Status is null)}
            migration guard: {(Guard.Refused ? $"refused a breaking probe while the silos ran, naming ports {string.Join(", ", Guard.NamedPorts)}" : "DID NOT REFUSE: " + Guard.Message)}
            requests with no 2xx that were applied anyway: {Describe(AppliedWithoutAnswer)} of {attempts.Count(a => !a.Succeeded)}
            """);
    }

    /// <summary>For a failed run: which calls failed and what the silos logged, so the cause is on screen.</summary>
    public void PrintCauses(string oldLog, string newLog)
    {
        Console.WriteLine("--- failed requests (operation, version, answer) ---");
        foreach (var group in Attempts.Where(a => !a.Succeeded).GroupBy(a => $"{a.Operation} on {Version(a.Silo)}: {a.Status?.ToString() ?? a.Error} {Problem(a.Body)}")
                     .OrderByDescending(g => g.Count()).Take(15))
            Console.WriteLine($"  {group.Count()} × {group.Key}");
        foreach (var (version, log) in new[] { ("old", oldLog), ("new", newLog) })
        {
            Console.WriteLine($"--- exception types in the {version} silo's log ---");
            foreach (var e in SiloLogs.Exceptions(log).Take(10))
                Console.WriteLine($"  {e.Count} × {e.Type}: {Shorten(e.FirstLine, 300)}");
            foreach (var line in SiloLogs.RequestFailures(log, 5))
                Console.WriteLine($"  request failure: {Shorten(line, 500)}");
        }
    }

    private int Served(int silo, DateTimeOffset from, DateTimeOffset to) =>
        Attempts.Count(a => a.Silo == silo && a.Succeeded && a.Sent >= from && a.Ended <= to);

    private static string Version(int silo) => silo == UpgradeCheck.Old ? "old" : "new";

    private static string Problem(JsonElement body) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty("title", out var title)
            ? $"\"{title}\"{(body.TryGetProperty("detail", out var detail) ? $": {detail}" : "")}"
            : "";

    private static string Describe(IEnumerable<Attempt> failures)
    {
        var list = failures.ToList();
        if (list.Count == 0) return "0";
        var kinds = list.GroupBy(a => $"{a.Operation} {a.Status?.ToString() ?? a.Error} on {Version(a.Silo)}").Select(g => $"{g.Count()} {g.Key}");
        return $"{list.Count} ({string.Join(", ", kinds)})";
    }

    private static string Shorten(string text, int length) => text.Length > length ? text[..length] + "…" : text;

    private static string Seconds(TimeSpan t) => $"{t.TotalSeconds:F1} s";
}
