using Orleans.Concurrency;

namespace Zapnoty.Grains.Notifications;

/// <summary>
/// One per person (user id): marks their notifications read and emails them about new ones while
/// they are away from the dashboard, at most one email per <see cref="NotificationOptions.EmailInterval"/>.
/// The notifications themselves are written by the commands they are about (a note, an assignment).
/// </summary>
[Alias("Zapnoty.Grains.Notifications.INotificationsGrain")]
public interface INotificationsGrain : IGrainWithGuidKey
{
    /// <summary>New notifications were committed for this person: email them if they are away. Cheap and idempotent.</summary>
    [Alias("6C2F0B1E")]
    [OneWay] Task Notified();

    /// <summary>Marks the person's notifications read (all when <paramref name="ids"/> is null); returns the unread count left.</summary>
    [Alias("A41D77C3")]
    Task<int> MarkRead(IReadOnlyList<Guid>? ids);
}
