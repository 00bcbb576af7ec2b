using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Rules;

/// <summary>One SLA target of a ticket as rules see it: when it is due, whether its breach is recorded, whether it can still be met.</summary>
public readonly record struct TargetState(string Target, DateTimeOffset? DueAt, DateTimeOffset? BreachedAt, bool Open);

/// <summary>
/// When a rule is due on a ticket (<see cref="At"/>) and which cycle of the ticket that is
/// (<see cref="Cycle"/>): the target's due time, its recorded breach, or the moment the ticket
/// started waiting. A rule fires at most once per (rule, ticket, cycle): a reopened ticket, a
/// new due time or a new wait is a new cycle.
/// </summary>
public readonly record struct RuleMoment(DateTimeOffset At, DateTimeOffset Cycle, string? Target = null, DateTimeOffset? DueAt = null);

/// <summary>Pure functions over a ticket and its history: what the ticket grain and the sweeper agree on.</summary>
public static class RuleMoments
{
    /// <summary>
    /// The ticket's SLA targets. First reply is met by the first agent reply, resolution by
    /// closing, a next reply by the agent reply that ends its cycle (which clears its due time);
    /// a closed ticket has no open target.
    /// </summary>
    public static IEnumerable<TargetState> Targets(TicketView t)
    {
        var open = t.Status != TicketStatus.Closed && t.MergedInto is null;
        yield return new TargetState(SlaBreach.FirstReply, t.FirstReplyDueAt, t.FirstReplyBreachedAt, open && t.FirstReplyAt is null);
        yield return new TargetState(SlaBreach.Resolution, t.ResolveDueAt, t.ResolveBreachedAt, open);
        yield return new TargetState(SlaBreach.NextReply, t.NextReplyDueAt, t.NextReplyBreachedAt, open && t.NextReplyDueAt is not null);
    }

    /// <summary>Since when the ticket has been waiting on the customer (its last change to <c>waiting</c>); null when it is not waiting.</summary>
    public static DateTimeOffset? WaitingSince(TicketView t, IReadOnlyList<HistoryEntry> history)
    {
        if (t.Status != TicketStatus.Waiting || t.MergedInto is not null) return null;
        var waiting = TicketStatus.Waiting.Wire();
        for (var i = history.Count - 1; i >= 0; i--)
            if (history[i] is { Field: "status" } entry && entry.To == waiting) return entry.At;
        return t.CreatedAt;
    }

    /// <summary>When <paramref name="rule"/> is due on the ticket, for which cycle; null when it does not apply now.</summary>
    public static RuleMoment? Of(RuleView rule, TicketView t, IReadOnlyList<HistoryEntry> history)
    {
        if (!rule.Enabled || !rule.Conditions.Match(t)) return null;
        var trigger = rule.Trigger;
        switch (trigger.Type)
        {
            case RuleTriggers.SlaWarning:
                return Target(t, trigger.Target) is { Open: true, BreachedAt: null, DueAt: { } due }
                    ? new RuleMoment(due - Minutes(trigger), Cycle(due), trigger.Target, due)
                    : null;
            case RuleTriggers.SlaBreached:
                return Target(t, trigger.Target) is { Open: true, BreachedAt: { } breached } state
                    ? new RuleMoment(breached, Cycle(breached), trigger.Target, state.DueAt)
                    : null;
            case RuleTriggers.WaitingOnCustomer:
                return WaitingSince(t, history) is { } since
                    ? new RuleMoment(since + Minutes(trigger), Cycle(since))
                    : null;
            default:
                return null;
        }
    }

    /// <summary>
    /// A cycle is kept to the millisecond: due times computed in memory carry ticks the database
    /// does not store, and the cycle must read the same before and after a reload.
    /// </summary>
    public static DateTimeOffset Cycle(DateTimeOffset at) => new(at.UtcTicks - at.UtcTicks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);

    private static TimeSpan Minutes(RuleTrigger trigger) => TimeSpan.FromMinutes((double)(trigger.Minutes ?? 0));

    private static TargetState? Target(TicketView t, string? target) =>
        Targets(t).Where(s => s.Target == target).Select(s => (TargetState?)s).FirstOrDefault();
}
