using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Zapnoty.Grains.Live;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Api.Live;

/// <summary>
/// This silo's side of live updates: one feed per project that has open streams here. A feed
/// subscribes this silo to the project's hub grain (wherever it lives in the cluster); when the
/// hub says the project changed, the feed reads the new events from the project's durable feed
/// (PostgreSQL, in order, once per silo however many streams are open) and offers them to every
/// stream. Every <see cref="LiveTimings.Renew"/> each feed renews its subscription and reads the
/// durable feed anyway, so a hint lost with a dying silo delays events by seconds, never loses them.
/// </summary>
public sealed class LiveFeeds(IGrainFactory grains, LiveEventStore events, TicketList tickets, TimeProvider clock,
    IOptions<LiveOptions> options, ILogger<LiveFeeds> log) : BackgroundService, ILiveObserver
{
    private readonly Dictionary<Guid, ProjectFeed> _feeds = [];
    private readonly Lock _gate = new();
    private ILiveObserver? _reference;

    internal LiveOptions Settings => options.Value;
    private IGrainFactory Grains => grains;
    private LiveEventStore Events => events;
    private TicketList Tickets => tickets;
    private TimeProvider Clock => clock;
    private ILogger Log => log;

    /// <summary>This silo's observer reference, made once and kept (the hub holds it).</summary>
    private ILiveObserver Reference
    {
        get
        {
            lock (_gate) return _reference ??= grains.CreateObjectReference<ILiveObserver>(this);
        }
    }

    /// <summary>Joins a stream to its project's feed, starting the feed if it is the project's first stream here.</summary>
    public async Task<(ProjectFeed Feed, long Cursor)> Join(Guid projectId, LiveConnection connection, CancellationToken cancellationToken)
    {
        ProjectFeed feed;
        lock (_gate)
        {
            if (!_feeds.TryGetValue(projectId, out feed!))
                _feeds[projectId] = feed = new ProjectFeed(projectId, this);
            feed.Connections.Add(connection);
        }
        try
        {
            await feed.Ready.WaitAsync(cancellationToken);
        }
        catch
        {
            Leave(feed, connection);
            throw;
        }
        return (feed, feed.Register(connection));
    }

    public void Leave(ProjectFeed feed, LiveConnection connection)
    {
        bool last;
        lock (_gate)
        {
            feed.Connections.Remove(connection);
            feed.Unregister(connection);
            last = feed.Connections.Count == 0 && _feeds.Remove(feed.ProjectId);
        }
        if (last) grains.GetGrain<ILiveHubGrain>(feed.ProjectId).Unsubscribe(Reference).Ignore();
    }

    Task ILiveObserver.Changed(Guid projectId)
    {
        if (FeedOf(projectId) is { } feed) _ = feed.Pull();
        return Task.CompletedTask;
    }

    Task ILiveObserver.Presence(Guid projectId, TicketPresence presence)
    {
        FeedOf(projectId)?.OnPresence(presence);
        return Task.CompletedTask;
    }

    private ProjectFeed? FeedOf(Guid projectId)
    {
        lock (_gate) return _feeds.GetValueOrDefault(projectId);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(LiveTimings.Renew, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            List<ProjectFeed> feeds;
            lock (_gate) feeds = _feeds.Values.ToList();
            foreach (var feed in feeds)
            {
                try
                {
                    await feed.Subscribe();
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    log.LogWarning(e, "Could not renew the live subscription of project {ProjectId}; reading its feed anyway", feed.ProjectId);
                }
                _ = feed.Pull();
            }
        }
    }

    /// <summary>One project's events on this silo: its cursor in the durable feed, its streams, who is present.</summary>
    public sealed class ProjectFeed
    {
        private const int ReadBatch = 500;
        private readonly LiveFeeds _owner;
        private readonly Lock _deliver = new();
        private readonly Dictionary<Guid, TicketPresence> _presence = [];
        private long _cursor;
        private int _pulling;
        private volatile bool _dirty;
        private int _countsPending;

        internal ProjectFeed(Guid projectId, LiveFeeds owner)
        {
            ProjectId = projectId;
            _owner = owner;
            Ready = Start();
        }

        public Guid ProjectId { get; }

        /// <summary>Guarded by the owner's lock.</summary>
        internal HashSet<LiveConnection> Connections { get; } = [];

        internal Task Ready { get; }

        private async Task Start()
        {
            _cursor = await _owner.Events.Head(ProjectId, CancellationToken.None);
            await Subscribe();
        }

        internal async Task Subscribe()
        {
            var present = await _owner.Grains.GetGrain<ILiveHubGrain>(ProjectId).Subscribe(_owner.Reference);
            lock (_deliver)
            {
                _presence.Clear();
                foreach (var ticket in present) _presence[ticket.TicketId] = ticket;
            }
        }

        /// <summary>Starts offering events to the stream; answers the number of the last event it will not be offered.</summary>
        internal long Register(LiveConnection connection)
        {
            lock (_deliver)
            {
                _streams.Add(connection);
                return _cursor;
            }
        }

        internal void Unregister(LiveConnection connection)
        {
            lock (_deliver) _streams.Remove(connection);
        }

        private readonly HashSet<LiveConnection> _streams = [];

        /// <summary>Who is present on the project's tickets now, for a stream that just opened.</summary>
        internal IReadOnlyList<TicketPresence> Present()
        {
            lock (_deliver) return _presence.Values.Where(p => p.People.Count > 0).ToList();
        }

        /// <summary>Empties an overflowed stream's queue; answers the event it continues after (the client refetches).</summary>
        internal long Reset(LiveConnection connection)
        {
            lock (_deliver)
            {
                connection.Reset();
                return _cursor;
            }
        }

        internal void OnPresence(TicketPresence presence)
        {
            lock (_deliver)
            {
                if (presence.People.Count == 0) _presence.Remove(presence.TicketId);
                else _presence[presence.TicketId] = presence;
                Offer(LiveItems.OfPresence(presence));
            }
        }

        /// <summary>
        /// Reads the durable feed past the cursor and offers what it finds. One read at a time; a
        /// hint during a read makes it read again, so no hint is lost and reads do not pile up.
        /// </summary>
        internal async Task Pull()
        {
            if (Interlocked.Exchange(ref _pulling, 1) == 1)
            {
                _dirty = true;
                return;
            }
            var ticketsChanged = false;
            try
            {
                do
                {
                    _dirty = false;
                    IReadOnlyList<LiveEvent> batch;
                    do
                    {
                        batch = await _owner.Events.After(ProjectId, Volatile.Read(ref _cursor), long.MaxValue, ReadBatch, CancellationToken.None);
                        lock (_deliver)
                        {
                            foreach (var e in batch)
                            {
                                _cursor = e.Seq;
                                if (LiveItems.Of(e) is { } item)
                                {
                                    Offer(item);
                                    ticketsChanged = true;
                                }
                            }
                        }
                    }
                    while (batch.Count == ReadBatch);
                }
                while (_dirty);
            }
            catch (Exception e)
            {
                _owner.Log.LogWarning(e, "Reading the live feed of project {ProjectId} failed; the next hint or renewal reads again", ProjectId);
            }
            finally
            {
                Volatile.Write(ref _pulling, 0);
            }
            if (_dirty) _ = Pull();
            if (ticketsChanged) _ = SendCounts();
        }

        /// <summary>One count for a burst of changes, shortly after it.</summary>
        private async Task SendCounts()
        {
            if (Interlocked.Exchange(ref _countsPending, 1) == 1) return;
            try
            {
                await Task.Delay(_owner.Settings.CountsDelay, _owner.Clock);
                Volatile.Write(ref _countsPending, 0);
                var counts = await _owner.Tickets.Count(new TicketFilter(ProjectId), _owner.Clock.GetUtcNow(), CancellationToken.None);
                lock (_deliver) Offer(LiveItems.OfCounts(counts));
            }
            catch (Exception e)
            {
                Volatile.Write(ref _countsPending, 0);
                _owner.Log.LogWarning(e, "Counting the tickets of project {ProjectId} for its live streams failed", ProjectId);
            }
        }

        /// <summary>Under <see cref="_deliver"/>, so every stream sees the events in one order.</summary>
        private void Offer(LiveItem item)
        {
            foreach (var stream in _streams) stream.Offer(item);
        }
    }
}

/// <summary>Streams open per person on this silo (<see cref="LiveOptions.StreamsPerPerson"/>).</summary>
public sealed class LiveStreamSlots
{
    private readonly ConcurrentDictionary<Guid, int> _open = new();

    public bool TryTake(Guid person, int limit)
    {
        while (true)
        {
            var open = _open.GetValueOrDefault(person);
            if (open >= limit) return false;
            if (open == 0 ? _open.TryAdd(person, 1) : _open.TryUpdate(person, open + 1, open)) return true;
        }
    }

    public void Release(Guid person)
    {
        while (true)
        {
            if (!_open.TryGetValue(person, out var open)) return;
            if (open <= 1)
            {
                if (_open.TryRemove(new KeyValuePair<Guid, int>(person, open))) return;
            }
            else if (_open.TryUpdate(person, open - 1, open)) return;
        }
    }
}
