using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Zapnoty.Grains.Access;
using Zapnoty.Grains.Live;
using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Api.Live;

/// <summary>
/// One open event stream: what its client missed (from <c>Last-Event-ID</c>), then live events,
/// keep-alives, and the end when its caller lost access. Disposed with its request: it leaves its
/// project's feed and frees its caller's stream slot.
/// </summary>
public sealed class LiveStream(
    Guid projectId, long? lastEventId, Guid person, string credentialKey,
    LiveFeeds feeds, LiveStreamSlots slots, LiveStreamLease lease, LiveEventStore events, TicketList tickets, IGrainFactory grains, TimeProvider clock) : IAsyncDisposable
{
    private readonly LiveConnection _connection = new(feeds.Settings.Buffer);
    private LiveFeeds.ProjectFeed? _feed;
    private int _disposed;

    public async IAsyncEnumerable<SseItem<string>> Run([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var (feed, registeredAt) = await feeds.Join(projectId, _connection, cancellationToken);
        _feed = feed;
        var cursor = registeredAt;
        if (lastEventId is not { } resumeAfter)
        {
            // A fresh stream: the client loads the state itself; the counts say where the stream starts.
            var counts = await tickets.Count(new TicketFilter(projectId), clock.GetUtcNow(), cancellationToken);
            yield return Item(LiveItems.OfCounts(counts), cursor, retry: true);
        }
        else
        {
            var backlog = await events.After(projectId, resumeAfter, long.MaxValue, feeds.Settings.MaxBacklog + 1, cancellationToken);
            var head = await events.Head(projectId, cancellationToken);
            if (resumeAfter > head || backlog.Count > feeds.Settings.MaxBacklog)
                yield return Item(LiveItems.OfReset(cursor, resumeAfter > head
                    ? "Last-Event-ID names no event of this project's stream."
                    : $"More than {feeds.Settings.MaxBacklog} events were missed; load the state again."), cursor, retry: true);
            else
            {
                cursor = resumeAfter;
                foreach (var e in backlog)
                {
                    cursor = e.Seq;
                    if (LiveItems.Of(e) is { } item) yield return Item(item, cursor, retry: false);
                }
            }
        }
        foreach (var presence in feed.Present()) yield return Item(LiveItems.OfPresence(presence), cursor, retry: false);

        while (!cancellationToken.IsCancellationRequested)
        {
            lease.RenewIfDue();
            if (_connection.Items.TryRead(out var next))
            {
                // Already sent from the backlog (the stream joined the feed before reading it).
                if (next.Seq is { } seq && seq <= cursor) continue;
                cursor = next.Seq ?? cursor;
                yield return Item(next, cursor, retry: false);
                continue;
            }
            if (_connection.Overflowed)
            {
                cursor = feed.Reset(_connection);
                yield return Item(LiveItems.OfReset(cursor, "The connection read events slower than they came; load the state again."), cursor, retry: false);
                continue;
            }
            if (!await WaitForItems(cancellationToken))
            {
                if (!await StillAllowed()) yield break;
                yield return new SseItem<string>("", "heartbeat");
            }
        }
    }

    /// <summary>True when items arrived; false when a heartbeat is due.</summary>
    private async Task<bool> WaitForItems(CancellationToken cancellationToken)
    {
        using var heartbeat = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        heartbeat.CancelAfter(feeds.Settings.HeartbeatPeriod);
        try
        {
            return await _connection.Items.WaitToReadAsync(heartbeat.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>The session or key still valid and still a member: a removed member or a revoked session loses the stream.</summary>
    private async Task<bool> StillAllowed()
    {
        var credential = await grains.GetGrain<ICredentialGrain>(credentialKey).Resolve(null);
        return credential is not null && await grains.GetGrain<IProjectGrain>(projectId).AccessOf(credential) is not null;
    }

    private static SseItem<string> Item(LiveItem item, long id, bool retry) =>
        new(item.Data, item.Event)
        {
            EventId = id.ToString(CultureInfo.InvariantCulture),
            ReconnectionInterval = retry ? TimeSpan.FromSeconds(2) : null,
        };

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return ValueTask.CompletedTask;
        if (_feed is { } feed) feeds.Leave(feed, _connection);
        slots.Release(person);
        lease.Release();
        return ValueTask.CompletedTask;
    }
}
