using Orleans.Concurrency;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Live;

/// <summary>What a person is doing on a ticket, as the dashboard reports it every few seconds.</summary>
[GenerateSerializer]
[Alias("Zapnoty.Grains.Live.PresenceState")]
public enum PresenceState { Viewing, Typing }

/// <summary>One heartbeat of a person on a ticket; <see cref="Route"/> is the customer's chat, for the "typing…" they see.</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Live.PresenceBeat")]
public sealed record PresenceBeat(
    [property: Id(0)] Guid TicketId,
    [property: Id(1)] Guid UserId,
    [property: Id(2)] PresenceState State,
    [property: Id(3)] ChatRoute? Route = null);

/// <summary>One person present on a ticket.</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Live.PresentPerson")]
public sealed record PresentPerson([property: Id(0)] Guid UserId, [property: Id(1)] PresenceState State);

/// <summary>Everyone present on one ticket now (empty when the last one left).</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Live.TicketPresence")]
public sealed record TicketPresence([property: Id(0)] Guid TicketId, [property: Id(1)] IReadOnlyList<PresentPerson> People);

/// <summary>
/// A silo's live feed, told by a project's hub that the project changed (its durable event feed
/// has new rows to read) or that someone's presence changed. Both are hints: the feed reads the
/// events themselves from PostgreSQL, and presence repeats on every change.
/// </summary>
[Alias("Zapnoty.Grains.Live.ILiveObserver")]
public interface ILiveObserver : IGrainObserver
{
    [Alias("Changed")]
    [OneWay] Task Changed(Guid projectId);

    [Alias("Presence")]
    [OneWay] Task Presence(Guid projectId, TicketPresence presence);
}

/// <summary>
/// The fan-out point of one project's live updates (key: project id): silos with dashboards of the
/// project subscribe, writers say "changed" after their commit, people's presence lives here (in
/// memory only, expiring on its own).
/// </summary>
[Alias("Zapnoty.Grains.Live.ILiveHubGrain")]
public interface ILiveHubGrain : IGrainWithGuidKey
{
    /// <summary>Subscribes (or renews) a silo's feed; answers who is present now. Unrenewed subscriptions lapse.</summary>
    [Alias("Subscribe")]
    Task<IReadOnlyList<TicketPresence>> Subscribe(ILiveObserver observer);

    [Alias("Unsubscribe")]
    Task Unsubscribe(ILiveObserver observer);

    /// <summary>The project's event feed has new rows (called after the commit that wrote them).</summary>
    [Alias("Changed")]
    [OneWay] Task Changed();

    /// <summary>A person's presence heartbeat on a ticket.</summary>
    [Alias("Beat")]
    Task Beat(PresenceBeat beat);

    /// <summary>
    /// Takes a lease on one of the <paramref name="limit"/> event streams a person may hold open in
    /// the project, on whichever silo; false when all are held. Unrenewed within
    /// <paramref name="lifetime"/> it lapses (its silo stopped without releasing it).
    /// </summary>
    [Alias("TakeStream")]
    Task<bool> TakeStream(Guid person, Guid lease, int limit, TimeSpan lifetime);

    /// <summary>The stream is still open: its lease holds another <paramref name="lifetime"/>.</summary>
    [Alias("RenewStream")]
    [OneWay] Task RenewStream(Guid person, Guid lease, TimeSpan lifetime);

    [Alias("ReleaseStream")]
    [OneWay] Task ReleaseStream(Guid person, Guid lease);
}

/// <summary>Shows "typing…" to a messenger customer (key: our bot id), at most once per interval per chat.</summary>
[Alias("Zapnoty.Grains.Live.ITypingGrain")]
public interface ITypingGrain : IGrainWithGuidKey
{
    [Alias("Typing")]
    [OneWay] Task Typing(string chatId);
}
