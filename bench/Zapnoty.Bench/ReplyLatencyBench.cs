using System.Collections.Concurrent;
using System.Diagnostics;
using Npgsql;

namespace Zapnoty.Bench;

/// <summary>
/// What a webhook endpoint adds to an agent reply: reply latency on a project without any
/// endpoint against a project with one <c>ticket.*</c> endpoint, and on the latter the time from
/// sending the reply until the receiver has its <c>ticket.replied</c> (which is what a website
/// customer waits for). Run at full load and with a single agent, where nothing queues.
/// </summary>
public static class ReplyLatencyBench
{
    /// <summary>Each worker cycles through its own tickets, so replies spread over tickets as an agent's do.</summary>
    private const int TicketsPerWorker = 8;

    private static readonly TimeSpan ArrivalLimit = TimeSpan.FromMinutes(3);

    /// <summary>
    /// One load level: replies without and with an endpoint; what the endpoint received per
    /// second while the replies came in and, when a backlog was left, while it drained after
    /// they stopped; and how the replies ended up.
    /// </summary>
    private sealed record Pass(int Workers, LoadResult Without, LoadResult With, double DeliveredPerSecond, double DrainedPerSecond,
        EndToEnd EndToEnd, string Deliveries);

    public static async Task Run(ZapnotyApi api, WebhookReceiver receiver, NpgsqlDataSource db, int workers, TimeSpan warmup, TimeSpan duration)
    {
        var passes = new List<Pass>();
        foreach (var load in new[] { workers, 1 })
            passes.Add(await RunPass(api, receiver, db, load, warmup, duration));
        Report(passes);
    }

    /// <summary>Fresh projects per pass, so each pass's endpoint carries only that pass's events.</summary>
    private static async Task<Pass> RunPass(ZapnotyApi api, WebhookReceiver receiver, NpgsqlDataSource db, int workers, TimeSpan warmup, TimeSpan duration)
    {
        var quiet = await api.CreateProject();
        var hooked = await api.CreateProject();
        var quietTickets = await OpenTickets(api, quiet, workers * TicketsPerWorker);
        var hookedTickets = await OpenTickets(api, hooked, workers * TicketsPerWorker);
        // Subscribed after the tickets exist: the endpoint gets the replies' events only.
        var inbox = receiver.Open($"replies-{workers}", trackReplies: true);
        inbox.Secret = await api.Subscribe(hooked, inbox.Url);

        var without = await LoadRun.Measure($"replies, no endpoint, {workers} workers", workers, warmup, duration,
            Replier(api, quiet, quietTickets, workers, sent: null), db);
        var sent = new ConcurrentDictionary<Guid, long>();
        var with = await LoadRun.Measure($"replies, one endpoint, {workers} workers", workers, warmup, duration,
            Replier(api, hooked, hookedTickets, workers, sent), db);
        var delivered = inbox.ArrivedIn(with.Window.Start, with.Window.End) / with.Seconds;
        var endToEnd = await EndToEnd.Collect(inbox, sent, with.Window, ArrivalLimit);
        // Less than a tenth of a second of stragglers says nothing about a rate.
        var drained = endToEnd.LastAfterStopSeconds < 0.1 ? double.NaN
            : inbox.ArrivedIn(with.Window.Stopped, endToEnd.LastArrival + 1) / endToEnd.LastAfterStopSeconds;
        return new Pass(workers, without, with, delivered, drained, endToEnd, await ReplyDeliveries(db, hooked));
    }

    private static async Task<Guid[]> OpenTickets(ZapnotyApi api, BenchProject project, int count)
    {
        var tickets = new Guid[count];
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (i, _) => tickets[i] = await api.OpenTicket(project, i));
        return tickets;
    }

    /// <summary>
    /// A worker's next reply, to the next of its tickets. When <paramref name="sent"/> is given,
    /// the moment each reply was sent is kept by message id, to match the webhook's arrival.
    /// </summary>
    private static Func<int, Task> Replier(ZapnotyApi api, BenchProject project, Guid[] tickets, int workers, ConcurrentDictionary<Guid, long>? sent)
    {
        var next = new int[workers];
        return async worker =>
        {
            var ticket = tickets[worker * TicketsPerWorker + next[worker]++ % TicketsPerWorker];
            var started = Stopwatch.GetTimestamp();
            var messageId = await api.Reply(project, ticket, next[worker]);
            sent?.TryAdd(messageId, started);
        };
    }

    /// <summary>
    /// How the hooked project's replies ended up: all should become delivered. A reply turns
    /// delivered a moment after its webhook arrived (the dispatcher tells the ticket after
    /// recording the attempt), so this waits a little for the last ones.
    /// </summary>
    private static async Task<string> ReplyDeliveries(NpgsqlDataSource db, BenchProject project)
    {
        var waiting = Stopwatch.StartNew();
        var counts = await CountReplies(db, project);
        while (counts.ContainsKey("webhook") && waiting.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(100);
            counts = await CountReplies(db, project);
        }
        return string.Join(", ", counts.Select(c => $"{c.Key} {c.Value}"));
    }

    private static async Task<SortedDictionary<string, long>> CountReplies(NpgsqlDataSource db, BenchProject project)
    {
        await using var command = db.CreateCommand(
            "SELECT delivery, count(*) FROM ticket_messages WHERE project_id = $1 AND author = 'agent' GROUP BY delivery");
        command.Parameters.Add(new() { Value = project.Id });
        var counts = new SortedDictionary<string, long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) counts[reader.GetString(0)] = reader.GetInt64(1);
        return counts;
    }

    private static void Report(IReadOnlyList<Pass> passes)
    {
        Console.WriteLine();
        Console.WriteLine($"reply latency: fresh projects per load level, one without an endpoint, one with a ticket.* endpoint; {TicketsPerWorker} tickets per worker");
        Console.WriteLine("| run | replies/s | p50 ms | p99 ms | db tx/request | WAL syncs/request | failures |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var r in passes.SelectMany(p => new[] { p.Without, p.With }))
            Console.WriteLine($"| {r.Name} | {r.PerSecond:F0} | {r.P50Ms:F2} | {r.P99Ms:F2} | {r.PerRequest(d => d.Transactions)} " +
                $"| {r.PerRequest(d => d.WalSyncs)} | {r.Failures} |");
        Console.WriteLine();
        Console.WriteLine("| workers | with/without replies/s | with/without p50 | with/without p99 | endpoint got/s in window | got/replied | endpoint got/s after stop |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var p in passes)
            Console.WriteLine($"| {p.Workers} | {p.With.PerSecond / p.Without.PerSecond:F2}x | {p.With.P50Ms / p.Without.P50Ms:F2}x " +
                $"| {p.With.P99Ms / p.Without.P99Ms:F2}x | {p.DeliveredPerSecond:F0} | {p.DeliveredPerSecond / p.With.PerSecond:F2}x " +
                $"| {(double.IsNaN(p.DrainedPerSecond) ? "no backlog" : p.DrainedPerSecond.ToString("F0"))} |");
        Console.WriteLine();
        Console.WriteLine("| workers | reply p50 ms | e2e p50 ms | e2e/reply p50 | reply p99 ms | e2e p99 ms | e2e/reply p99 | arrived/sent | last arrival after stop |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var p in passes)
            Console.WriteLine($"| {p.Workers} | {p.With.P50Ms:F2} | {p.EndToEnd.P50Ms:F2} | {p.EndToEnd.P50Ms / p.With.P50Ms:F2}x " +
                $"| {p.With.P99Ms:F2} | {p.EndToEnd.P99Ms:F2} | {p.EndToEnd.P99Ms / p.With.P99Ms:F2}x " +
                $"| {p.EndToEnd.Arrived}/{p.EndToEnd.Sent} | {p.EndToEnd.LastAfterStopSeconds:F1} s |");
        foreach (var p in passes)
            Console.WriteLine($"{p.Workers} workers: replies of the project with the endpoint, by delivery: {p.Deliveries}");
    }
}

/// <summary>
/// Reply sent → <c>ticket.replied</c> at the receiver, for every reply sent in the measured
/// window; waits for the stragglers, so a backlog shows up as latency rather than as loss.
/// </summary>
public sealed record EndToEnd(int Sent, int Arrived, double P50Ms, double P99Ms, long LastArrival, double LastAfterStopSeconds)
{
    public static async Task<EndToEnd> Collect(Inbox inbox, ConcurrentDictionary<Guid, long> sent, LoadWindow window, TimeSpan limit)
    {
        var measured = sent.Where(s => window.Contains(s.Value)).ToList();
        var waiting = Stopwatch.StartNew();
        while (measured.Any(s => !inbox.ReplyArrived(s.Key, out _)) && waiting.Elapsed < limit)
            await Task.Delay(100);

        var latencies = new List<double>();
        var last = window.Stopped;
        foreach (var (messageId, started) in measured)
        {
            if (!inbox.ReplyArrived(messageId, out var arrived)) continue;
            latencies.Add(Stopwatch.GetElapsedTime(started, arrived).TotalMilliseconds);
            last = Math.Max(last, arrived);
        }
        var sorted = latencies.Order().ToArray();
        return new EndToEnd(measured.Count, sorted.Length, LoadRun.Percentile(sorted, 0.50), LoadRun.Percentile(sorted, 0.99),
            last, Stopwatch.GetElapsedTime(window.Stopped, last).TotalSeconds);
    }
}
