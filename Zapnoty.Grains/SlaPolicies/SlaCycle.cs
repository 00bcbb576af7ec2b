using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.SlaPolicies;

/// <summary>
/// How a ticket's SLA state moves with what happens to it, as pure functions of the ticket, the
/// clock its policy counts with and the moment: the ticket grain commits the result with the
/// change that caused it. A ticket without a policy (<see cref="TicketView.SlaPolicy"/> null)
/// keeps the project settings' targets, which have no next reply and no pause.
/// </summary>
public static class SlaCycle
{
    /// <summary>
    /// A customer message after the first reply starts a next-reply cycle, due from this message,
    /// unless one is running already (the earliest unanswered message counts).
    /// </summary>
    public static TicketView CustomerWrote(TicketView t, SlaClock clock, DateTimeOffset now) =>
        t is { SlaPolicy.NextReplyMinutes: { } minutes, FirstReplyAt: not null, NextReplySince: null }
            ? t with { NextReplySince = now, NextReplyDueAt = clock.AddMinutes(now, minutes), NextReplyBreachedAt = null }
            : t;

    /// <summary>An agent reply (not a note) ends the next-reply cycle: met, or breached and recorded already.</summary>
    public static TicketView AgentReplied(TicketView t) => t is { NextReplySince: null, NextReplyDueAt: null, NextReplyBreachedAt: null }
        ? t
        : t with { NextReplySince = null, NextReplyDueAt = null, NextReplyBreachedAt = null };

    /// <summary>
    /// Waiting on the customer stops the resolution clock when the policy says so: the counted
    /// time left is kept and the due time goes (a paused target cannot breach). A target already
    /// past is not paused: its breach is due and is recorded.
    /// </summary>
    public static TicketView Pause(TicketView t, SlaClock clock, DateTimeOffset now) =>
        t is { SlaPolicy.PauseWhileWaiting: true, PausedAt: null, ResolveBreachedAt: null, ResolveDueAt: { } due } && due > now
            ? t with { PausedAt = now, ResolveLeft = clock.Between(now, due), ResolveDueAt = null }
            : t;

    /// <summary>The resolution clock runs again: due after the counted time that was left; the paused time is added up.</summary>
    public static TicketView Resume(TicketView t, SlaClock clock, DateTimeOffset now)
    {
        if (t.PausedAt is not { } since) return t;
        return t with
        {
            PausedAt = null,
            ResolveLeft = null,
            ResolveDueAt = t.ResolveLeft is { } left ? clock.Add(now, left) : t.ResolveDueAt,
            PausedSeconds = t.PausedSeconds + (long)Math.Max(0, (now - since).TotalSeconds),
        };
    }

    /// <summary>A reopened ticket: resolution is due again from now, and no reply cycle or pause carries over.</summary>
    public static TicketView Reopened(TicketView t, SlaPolicy policy, SlaClock clock, DateTimeOffset now) => t with
    {
        ResolveDueAt = clock.AddMinutes(now, policy.ResolveMinutes),
        ResolveBreachedAt = null,
        NextReplySince = null,
        NextReplyDueAt = null,
        NextReplyBreachedAt = null,
        PausedAt = null,
        ResolveLeft = null,
    };

    /// <summary>
    /// The targets under another policy (null: the project settings'), after a change of priority
    /// or type. First and next reply are due from their start points (the creation, the
    /// unanswered message). Resolution keeps the counted time already used (so a reopen or a
    /// pause before still counts) and is due when the new target's rest has passed; a ticket
    /// that has used more than the new target is due now. Recorded breaches stay recorded.
    /// </summary>
    public static TicketView Recompute(TicketView t, SlaPolicy? policy, SlaClock clock, SlaClock previousClock, HelpdeskSettings settings,
        DateTimeOffset now)
    {
        var firstReply = policy is null ? Hours(settings.SlaFirstReplyHours) : Minutes(policy.FirstReplyMinutes);
        var nextReply = Minutes(policy?.NextReplyMinutes);
        var resolve = policy is null ? Hours(settings.SlaResolveHours) : Minutes(policy.ResolveMinutes);
        var previousResolve = t.SlaPolicy is { } previous ? Minutes(previous.ResolveMinutes) : Hours(settings.SlaResolveHours);

        var after = t with
        {
            SlaPolicy = policy,
            FirstReplyDueAt = firstReply is { } f ? clock.Add(t.CreatedAt, f) : null,
            NextReplySince = nextReply is null ? null : t.NextReplySince,
            NextReplyDueAt = nextReply is { } n && t.NextReplySince is { } since ? clock.Add(since, n) : null,
        };
        if (t.Status == TicketStatus.Closed) return after;

        var used = (t.PausedAt, t.ResolveLeft, t.ResolveDueAt, previousResolve) switch
        {
            (not null, { } left, _, { } target) => target - left,
            (null, _, { } due, { } target) => target - previousClock.Between(now, due),
            _ => clock.Between(t.CreatedAt, now),
        };
        if (resolve is not { } total)
            return Resume(after, clock, now) with { ResolveDueAt = null, ResolveLeft = null };
        var rest = total - used > TimeSpan.Zero ? total - used : TimeSpan.Zero;
        return after.PausedAt is not null
            ? after with { ResolveLeft = rest, ResolveDueAt = null }
            : after with { ResolveDueAt = clock.Add(now, rest) };
    }

    private static TimeSpan? Minutes(int? minutes) => minutes is { } m ? TimeSpan.FromMinutes(m) : null;

    private static TimeSpan? Hours(decimal? hours) => hours is { } h ? TimeSpan.FromHours((double)h) : null;
}
