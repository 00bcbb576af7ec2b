using System.Diagnostics;
using System.Globalization;
using System.Text;
using Npgsql;
using Zapnoty.Grains.Webhooks;

namespace Zapnoty.Bench;

/// <summary>
/// How fast ticket events reach customers' servers: many projects, each with one endpoint
/// subscribed to <c>ticket.*</c>, under a load of ticket creations and replies through the API.
/// Measured where it matters, at the receiver; compared with the same receiver hit directly by
/// signed POSTs with as many requests in flight as the dispatchers may have, and with the rate
/// at which the load produced events.
/// </summary>
public static class WebhookDeliveryBench
{
    /// <summary>How long the backlog may take to drain after the load stops before the run calls it stuck.</summary>
    private static readonly TimeSpan DrainLimit = TimeSpan.FromMinutes(3);

    public static async Task Run(ZapnotyApi api, WebhookReceiver receiver, NpgsqlDataSource db, int projectCount, int workers,
        TimeSpan warmup, TimeSpan duration)
    {
        var projects = await api.CreateProjects(projectCount);
        var ids = projects.Select(p => p.Id).ToArray();

        // The same load on the same projects before they have endpoints: what producing events costs without delivering them.
        var quiet = await LoadRun.Measure("creations + replies, no endpoints", workers, warmup, duration, Conversations(api, projects, workers), db);
        var inboxes = await Subscribe(api, receiver, projects);
        var load = await LoadRun.Measure("creations + replies, one endpoint per project", workers, warmup, duration, Conversations(api, projects, workers), db);
        var produced = await DeliveriesCreatedIn(db, ids, load.Window);
        var delivered = inboxes.Sum(i => i.ArrivedIn(load.Window.Start, load.Window.End));
        var drain = await WaitForDrain(db, ids, inboxes, load.Window.Stopped);

        var body = inboxes.Select(i => i.SampleReplyBody).FirstOrDefault(b => b is not null)
            ?? throw new InvalidOperationException("No ticket.replied arrived; nothing to model the raw baseline on.");
        var inFlight = projects.Count * new WebhookOptions().ConcurrencyPerEndpoint;
        var (raw, rawInboxes) = await RawPosts(receiver, inboxes, body, inFlight, warmup, duration);

        Report(projects.Count, workers, inFlight, quiet, load, produced / load.Seconds, delivered / load.Seconds, drain, raw, inboxes, rawInboxes);
    }

    /// <summary>One inbox per project, each subscribed to <c>ticket.*</c> with its own secret.</summary>
    private static async Task<List<Inbox>> Subscribe(ZapnotyApi api, WebhookReceiver receiver, IReadOnlyList<BenchProject> projects)
    {
        var inboxes = new List<Inbox>();
        foreach (var (project, i) in projects.Select((p, i) => (p, i)))
        {
            var inbox = receiver.Open($"load-{i}");
            inbox.Secret = await api.Subscribe(project, inbox.Url);
            inboxes.Add(inbox);
        }
        return inboxes;
    }

    private static Func<int, Task> Conversations(ZapnotyApi api, IReadOnlyList<BenchProject> projects, int workers)
    {
        var conversations = Enumerable.Range(0, workers).Select(w => new Conversation(api, projects, w, workers)).ToArray();
        return worker => conversations[worker].Next();
    }

    /// <summary>
    /// One load worker's script: open a ticket, answer it twice, move on to another project.
    /// That is 4 events per 3 requests (created; replied and status_changed on the first reply;
    /// replied), and the workers spread over all projects as they go.
    /// </summary>
    private sealed class Conversation(ZapnotyApi api, IReadOnlyList<BenchProject> projects, int worker, int workers)
    {
        private const int RepliesPerTicket = 2;
        private readonly int _labels = worker * 1_000_000;
        private int _project = worker, _replies, _sent;
        private Guid? _ticket;

        public async Task Next()
        {
            var project = projects[_project % projects.Count];
            var n = _labels + ++_sent;
            if (_ticket is not { } ticket)
            {
                _ticket = await api.OpenTicket(project, n);
                _replies = 0;
                return;
            }
            await api.Reply(project, ticket, n);
            if (++_replies < RepliesPerTicket) return;
            _ticket = null;
            _project += workers;
        }
    }

    /// <summary>Events produced in the window: one delivery per event, as each project has one endpoint.</summary>
    private static async Task<long> DeliveriesCreatedIn(NpgsqlDataSource db, Guid[] projects, LoadWindow window)
    {
        await using var command = db.CreateCommand(
            "SELECT count(*) FROM webhook_deliveries WHERE project_id = ANY ($1) AND created_at >= $2 AND created_at < $3");
        command.Parameters.Add(new() { Value = projects });
        command.Parameters.Add(new() { Value = window.StartUtc });
        command.Parameters.Add(new() { Value = window.EndUtc });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private sealed record DeliveryCounts(long Total, long Pending, long Failed);

    private static async Task<DeliveryCounts> CountDeliveries(NpgsqlDataSource db, Guid[] projects)
    {
        await using var command = db.CreateCommand("""
            SELECT count(*), count(*) FILTER (WHERE status = 'pending'), count(*) FILTER (WHERE status = 'failed')
              FROM webhook_deliveries WHERE project_id = ANY ($1)
            """);
        command.Parameters.Add(new() { Value = projects });
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new DeliveryCounts(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    /// <summary>What was still undelivered when the load stopped, and how long after the stop the last of it arrived.</summary>
    private sealed record Drain(long Backlog, double Seconds, bool Completed, DeliveryCounts Counts)
    {
        public double PerSecond => Seconds > 0 ? Backlog / Seconds : double.NaN;
    }

    /// <summary>Polls until no delivery of these projects is pending; the drain itself ends at the last arrival.</summary>
    private static async Task<Drain> WaitForDrain(NpgsqlDataSource db, Guid[] projects, IReadOnlyList<Inbox> inboxes, long stopped)
    {
        var limit = Stopwatch.StartNew();
        var counts = await CountDeliveries(db, projects);
        while (counts.Pending > 0 && limit.Elapsed < DrainLimit)
        {
            await Task.Delay(100);
            counts = await CountDeliveries(db, projects);
        }
        var arrivedBeforeStop = inboxes.Sum(i => i.ArrivedIn(0, stopped));
        var last = inboxes.Max(i => i.LastArrival);
        var seconds = counts.Pending > 0 ? limit.Elapsed.TotalSeconds : Math.Max(0, Stopwatch.GetElapsedTime(stopped, last).TotalSeconds);
        return new Drain(counts.Total - arrivedBeforeStop, seconds, counts.Pending == 0, counts);
    }

    /// <summary>
    /// The baseline: the same receiver, the same kind of body (a real <c>ticket.replied</c>),
    /// signed the same way, with as many requests in flight as the dispatchers may have in all
    /// (one endpoint per project, <see cref="WebhookOptions.ConcurrencyPerEndpoint"/> each).
    /// </summary>
    private static async Task<(LoadResult, List<Inbox>)> RawPosts(WebhookReceiver receiver, IReadOnlyList<Inbox> zapnotyInboxes, string body,
        int inFlight, TimeSpan warmup, TimeSpan duration)
    {
        var inboxes = zapnotyInboxes.Select((z, i) =>
        {
            var raw = receiver.Open($"raw-{i}");
            raw.Secret = z.Secret;
            return raw;
        }).ToList();
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = inFlight, PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        var result = await LoadRun.Measure($"raw signed POSTs, {inFlight} in flight", inFlight, warmup, duration,
            w => SignedPost(http, inboxes[w % inboxes.Count], body));
        return (result, inboxes);
    }

    /// <summary>What the dispatcher's sender does per delivery, minus everything Zapnoty does around it.</summary>
    private static async Task SignedPost(HttpClient http, Inbox inbox, string body)
    {
        var id = Guid.NewGuid().ToString();
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, inbox.Url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("webhook-id", id);
        request.Headers.Add("webhook-timestamp", timestamp);
        request.Headers.Add("webhook-signature", StandardWebhookSignature.Sign(inbox.Secret, id, timestamp, body));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        await response.Content.ReadAsByteArrayAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"receiver answered HTTP {(int)response.StatusCode}");
    }

    private static void Report(int projects, int workers, int inFlight, LoadResult quiet, LoadResult load, double producedPerSecond,
        double deliveredPerSecond, Drain drain, LoadResult raw, IReadOnlyList<Inbox> inboxes, IReadOnlyList<Inbox> rawInboxes)
    {
        Console.WriteLine();
        Console.WriteLine($"webhook delivery: projects={projects} (one ticket.* endpoint each) load workers={workers} " +
            $"raw in flight={inFlight} duration={load.Seconds:F0}s cores={Environment.ProcessorCount}");
        Console.WriteLine("| run | requests/s | events/s | p50 ms | p99 ms | db tx/request | WAL syncs/request | failures |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        Console.WriteLine($"| {quiet.Name} | {quiet.PerSecond:F0} | | {quiet.P50Ms:F2} | {quiet.P99Ms:F2} " +
            $"| {quiet.PerRequest(d => d.Transactions)} | {quiet.PerRequest(d => d.WalSyncs)} | {quiet.Failures} |");
        Console.WriteLine($"| {load.Name}: produced | {load.PerSecond:F0} | {producedPerSecond:F0} | {load.P50Ms:F2} | {load.P99Ms:F2} " +
            $"| {load.PerRequest(d => d.Transactions)} | {load.PerRequest(d => d.WalSyncs)} | {load.Failures} |");
        Console.WriteLine($"| Zapnoty → receiver: delivered | | {deliveredPerSecond:F0} | | | | | |");
        Console.WriteLine($"| {raw.Name} → receiver | {raw.PerSecond:F0} | {raw.PerSecond:F0} | {raw.P50Ms:F2} | {raw.P99Ms:F2} | | | {raw.Failures} |");
        Console.WriteLine();
        var drained = drain.Completed
            ? $"{drain.Seconds:F1} s ({drain.PerSecond:F0} events/s)"
            : $"not drained after {drain.Seconds:F0} s";
        Console.WriteLine("| figure | value |");
        Console.WriteLine("|---|---:|");
        Console.WriteLine($"| delivered / raw POST events/s | {deliveredPerSecond / raw.PerSecond:F3}x |");
        Console.WriteLine($"| delivered / produced events/s | {deliveredPerSecond / producedPerSecond:F2}x |");
        Console.WriteLine($"| load requests/s with / without endpoints | {load.PerSecond / quiet.PerSecond:F2}x |");
        Console.WriteLine($"| load p50 / p99 with / without endpoints | {load.P50Ms / quiet.P50Ms:F2}x / {load.P99Ms / quiet.P99Ms:F2}x |");
        Console.WriteLine($"| backlog when the load stopped | {drain.Backlog} events |");
        Console.WriteLine($"| drain after the load stopped | {drained} |");
        Console.WriteLine($"| deliveries total / failed | {drain.Counts.Total} / {drain.Counts.Failed} |");
        Console.WriteLine($"| duplicates at the receiver (Zapnoty / raw) | {inboxes.Sum(i => i.Duplicates)} / {rawInboxes.Sum(i => i.Duplicates)} |");
        Console.WriteLine($"| signatures checked / bad (Zapnoty) | {inboxes.Sum(i => i.Checked)} / {inboxes.Sum(i => i.BadSignatures)} |");
        Console.WriteLine($"| signatures checked / bad (raw) | {rawInboxes.Sum(i => i.Checked)} / {rawInboxes.Sum(i => i.BadSignatures)} |");
    }
}
