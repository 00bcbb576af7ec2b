using System.Collections.Concurrent;

namespace Zapnoty.Bench.Cluster;

/// <summary>A ticket creation the API acknowledged (2xx): the marker is its subject.</summary>
public sealed record AckedTicket(Guid ProjectId, string Marker, Guid Id, long Number, DateTimeOffset At);

/// <summary>An agent reply the API acknowledged (2xx): the marker is its text.</summary>
public sealed record AckedReply(Guid TicketId, string Marker, Guid Id, DateTimeOffset At);

/// <summary>
/// The steady load through the balancer: workers that each open a ticket or reply to one of
/// theirs (half and half) in the busy project, and one worker opening a ticket every half
/// second in the SLA project, whose resolution targets fall due while the cluster changes.
/// Every 2xx is recorded with what it returned.
/// </summary>
public sealed class ClusterLoad(Balancer balancer, BenchProject busy, BenchProject sla)
{
    public const int Workers = 4;
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(50);

    private readonly ConcurrentQueue<AckedTicket> _tickets = new();
    private readonly ConcurrentQueue<AckedReply> _replies = new();
    private readonly ConcurrentQueue<string> _gaveUp = new();

    public IReadOnlyCollection<AckedTicket> Tickets => _tickets;
    public IReadOnlyCollection<AckedReply> Replies => _replies;

    /// <summary>Operations that never got a 2xx: what the last attempt said.</summary>
    public IReadOnlyCollection<string> GaveUp => _gaveUp;

    public Task Run(CancellationToken stop) => Task.WhenAll(
        Enumerable.Range(0, Workers).Select(w => Worker(w, stop)).Append(SlaWorker(stop)));

    private async Task Worker(int worker, CancellationToken stop)
    {
        var random = new Random(worker);
        var mine = new List<Guid>();
        while (!stop.IsCancellationRequested)
        {
            await Operation(async () =>
            {
                if (mine.Count == 0 || random.Next(2) == 0) mine.Add((await Open(busy, worker)).Id);
                else await Reply(mine[random.Next(mine.Count)]);
            });
            await Pause.WaitOrStop(stop);
        }
    }

    private async Task SlaWorker(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            await Operation(() => Open(sla, -1));
            await TimeSpan.FromMilliseconds(500).WaitOrStop(stop);
        }
    }

    private async Task Operation(Func<Task> operation)
    {
        // An operation already started is finished even after the stop, as a client would.
        try { await operation(); }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException) { _gaveUp.Enqueue(e.Message); }
    }

    private async Task<AckedTicket> Open(BenchProject project, int worker)
    {
        var body = await balancer.Send("ticket", project.Key, marker => (HttpMethod.Post, $"/v1/projects/{project.Id}/helpdesk/tickets", new
        {
            subject = marker,
            text = "The parcel did not arrive",
            customer = new { external_id = $"cluster-customer-{worker}", name = "Cluster Customer" },
        }), CancellationToken.None);
        var ticket = new AckedTicket(project.Id, body.GetProperty("subject").GetString()!, body.GetProperty("id").GetGuid(),
            body.GetProperty("number").GetInt64(), DateTimeOffset.UtcNow);
        _tickets.Enqueue(ticket);
        return ticket;
    }

    private async Task Reply(Guid ticketId)
    {
        var body = await balancer.Send("reply", busy.Key, marker => (HttpMethod.Post, $"/v1/helpdesk/tickets/{ticketId}/replies", new { text = marker }),
            CancellationToken.None);
        _replies.Enqueue(new AckedReply(ticketId, body.GetProperty("text").GetString()!, body.GetProperty("id").GetGuid(), DateTimeOffset.UtcNow));
    }
}

public static class Waiting
{
    /// <summary>Waits the time, or less when <paramref name="stop"/> comes first; never throws.</summary>
    public static Task WaitOrStop(this TimeSpan delay, CancellationToken stop) =>
        Task.Delay(delay, stop).ContinueWith(_ => { }, TaskScheduler.Default);
}
