using Microsoft.Extensions.Logging;

namespace Zapnoty.Grains.Live;

public sealed partial class LiveHubGrain(TimeProvider clock, ILogger<LiveHubGrain> log) : Grain, ILiveHubGrain
{
    /// <summary>A silo's subscription lapses unless renewed within this (silos renew every <see cref="LiveTimings.Renew"/>).</summary>
    private static readonly TimeSpan SubscriptionLifetime = LiveTimings.Renew * 3;

    private readonly Dictionary<ILiveObserver, DateTimeOffset> _observers = [];
    private readonly Dictionary<Guid, Dictionary<Guid, Presence>> _presence = [];
    private IGrainTimer? _expiry;

    private Guid ProjectId => this.GetPrimaryKey();

    public Task<IReadOnlyList<TicketPresence>> Subscribe(ILiveObserver observer)
    {
        var now = clock.GetUtcNow();
        _observers[observer] = now + SubscriptionLifetime;
        foreach (var lapsed in _observers.Where(o => o.Value < now).Select(o => o.Key).ToList()) _observers.Remove(lapsed);
        return Task.FromResult<IReadOnlyList<TicketPresence>>(_presence.Keys.Select(t => SnapshotOf(t, now)).ToList());
    }

    public Task Unsubscribe(ILiveObserver observer)
    {
        _observers.Remove(observer);
        return Task.CompletedTask;
    }

    public Task Changed()
    {
        foreach (var observer in _observers.Keys) observer.Changed(ProjectId).Ignore();
        // The same commits feed the project's Telegram staff group.
        GrainFactory.GetGrain<Channels.StaffGroup.IStaffGroupGrain>(ProjectId).Nudge().Ignore();
        return Task.CompletedTask;
    }

    public Task Beat(PresenceBeat beat)
    {
        var now = clock.GetUtcNow();
        if (!_presence.TryGetValue(beat.TicketId, out var people)) _presence[beat.TicketId] = people = [];
        var before = SnapshotOf(beat.TicketId, now);
        people.TryGetValue(beat.UserId, out var was);
        people[beat.UserId] = beat.State == PresenceState.Typing
            ? new Presence(now + LiveTimings.Viewing, now + LiveTimings.Typing)
            // "viewing" ends typing at once: the agent sent the reply or cleared the box.
            : new Presence(now + LiveTimings.Viewing, null);
        var after = SnapshotOf(beat.TicketId, now);
        if (!SamePeople(before, after)) Broadcast(after);
        if (beat is { State: PresenceState.Typing, Route: { } route })
            GrainFactory.GetGrain<ITypingGrain>(route.BotId).Typing(route.ChatId).Ignore();
        _expiry ??= this.RegisterGrainTimer(Expire, new GrainTimerCreationOptions(LiveTimings.ExpiryCheck, LiveTimings.ExpiryCheck) { Interleave = false });
        return Task.CompletedTask;
    }

    /// <summary>Heartbeats stop when a tab closes or a network drops: presence ends on its own.</summary>
    private Task Expire(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        foreach (var (ticketId, people) in _presence.ToList())
        {
            var changed = false;
            foreach (var (userId, presence) in people.ToList())
            {
                if (presence.ViewingUntil <= now) { people.Remove(userId); changed = true; }
                else if (presence.TypingUntil is { } typing && typing <= now) { people[userId] = presence with { TypingUntil = null }; changed = true; }
            }
            if (people.Count == 0) _presence.Remove(ticketId);
            if (changed) Broadcast(SnapshotOf(ticketId, now));
        }
        if (_presence.Count == 0)
        {
            _expiry?.Dispose();
            _expiry = null;
        }
        return Task.CompletedTask;
    }

    private void Broadcast(TicketPresence presence)
    {
        log.LogDebug("Presence on ticket {TicketId} of project {ProjectId}: {Count} people", presence.TicketId, ProjectId, presence.People.Count);
        foreach (var observer in _observers.Keys) observer.Presence(ProjectId, presence).Ignore();
    }

    private TicketPresence SnapshotOf(Guid ticketId, DateTimeOffset now) =>
        new(ticketId, _presence.TryGetValue(ticketId, out var people)
            ? people.Where(p => p.Value.ViewingUntil > now)
                .Select(p => new PresentPerson(p.Key, p.Value.TypingUntil > now ? PresenceState.Typing : PresenceState.Viewing))
                .OrderBy(p => p.UserId).ToList()
            : []);

    private static bool SamePeople(TicketPresence a, TicketPresence b) => a.People.SequenceEqual(b.People);

    private sealed record Presence(DateTimeOffset ViewingUntil, DateTimeOffset? TypingUntil);
}

/// <summary>How long presence lasts without a heartbeat, and how often the live machinery renews and checks.</summary>
public static class LiveTimings
{
    /// <summary>A "viewing" heartbeat holds for this long (the dashboard beats every 5 s).</summary>
    public static readonly TimeSpan Viewing = TimeSpan.FromSeconds(15);

    /// <summary>A "typing" heartbeat holds for this long (the dashboard beats every 3 s while keys are pressed).</summary>
    public static readonly TimeSpan Typing = TimeSpan.FromSeconds(6);

    public static readonly TimeSpan ExpiryCheck = TimeSpan.FromSeconds(1);

    /// <summary>Silos renew their subscription to a hub, and re-read the durable feed, this often.</summary>
    public static readonly TimeSpan Renew = TimeSpan.FromSeconds(10);

    /// <summary>The customer's "typing…" is refreshed at most this often per chat (Telegram shows it for 5 s).</summary>
    public static readonly TimeSpan CustomerTyping = TimeSpan.FromSeconds(4.5);
}
