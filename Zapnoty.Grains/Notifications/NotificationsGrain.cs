using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Zapnoty.Grains.Channels;
using Zapnoty.Grains.Email;
using Zapnoty.Grains.Storage;

namespace Zapnoty.Grains.Notifications;

public sealed class NotificationsGrain(NotificationStore store, IEmailSender email, IOptions<NotificationOptions> options,
    IOptions<ChannelOptions> site, TimeProvider clock, ILogger<NotificationsGrain> log) : Grain, INotificationsGrain
{
    private IGrainTimer? _email;
    private DateTimeOffset? _lastEmailAt;
    private bool _loaded;

    private Guid UserId => this.GetPrimaryKey();
    private NotificationOptions Settings => options.Value;

    public async Task Notified()
    {
        // An email is already on its way: it will cover this notification too.
        if (_email is not null) return;
        if (!_loaded)
        {
            _lastEmailAt = await store.LastEmailedAt(UserId, CancellationToken.None);
            _loaded = true;
        }
        var now = clock.GetUtcNow();
        var due = _lastEmailAt is { } last ? last + Settings.EmailInterval : now;
        var wait = due > now ? due - now : TimeSpan.Zero;
        // A timer, not a reminder: a silo lost while it waits loses one email, never a notification
        // (the bell still has it, and the next notification schedules an email covering it).
        _email = this.RegisterGrainTimer(EmailIfAway, new GrainTimerCreationOptions
        {
            DueTime = wait, Period = Timeout.InfiniteTimeSpan, KeepAlive = true,
        });
    }

    public async Task<int> MarkRead(IReadOnlyList<Guid>? ids)
    {
        await store.MarkRead(UserId, ids, clock.StoredNow(), CancellationToken.None);
        return await store.UnreadCount(UserId, CancellationToken.None);
    }

    /// <summary>
    /// Emails what is unread and not yet emailed, unless the person used the dashboard within the
    /// active window: then the bell has told them.
    /// </summary>
    private async Task EmailIfAway(CancellationToken timerToken)
    {
        // Disposing the timer cancels its token: the work below runs to its end on its own token.
        _email?.Dispose();
        _email = null;
        var cancellationToken = CancellationToken.None;
        var now = clock.StoredNow();
        try
        {
            if (await store.Recipient(UserId, now - Settings.ActiveWindow, cancellationToken) is not { Active: false } recipient) return;
            var pending = await store.Unemailed(UserId, now - Settings.EmailMaxAge, NotificationLimits.PerEmail + 1, cancellationToken);
            if (pending.Count == 0) return;
            var shown = pending.Take(NotificationLimits.PerEmail).ToList();
            var more = pending.Count > shown.Count ? await store.UnreadCount(UserId, cancellationToken) - shown.Count : 0;
            await email.Send(NotificationEmail.Of(recipient.Email, shown, Math.Max(0, more), site.Value.PublicBaseUrl), cancellationToken);
            // Marked after sending: a crash in between sends the same news once more rather than never.
            await store.MarkEmailed(UserId, pending[^1].CreatedAt, now, cancellationToken);
            _lastEmailAt = now;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The bell still has the notifications; the next one tries the email again.
            log.LogWarning(e, "Emailing notifications to user {UserId} failed", UserId);
        }
    }
}
