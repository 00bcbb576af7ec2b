namespace Zapnoty.Grains.Tickets;

/// <summary>Which SLA target a breach is of; the wire names are <c>first_reply</c>, <c>next_reply</c> and <c>resolution</c>.</summary>
public static class SlaBreach
{
    public const string FirstReply = "first_reply";
    public const string NextReply = "next_reply";
    public const string Resolution = "resolution";
}

/// <summary>
/// SLA targets of a ticket, from its stored due times: first reply is met by the first agent
/// reply, next reply (a customer message after it) by the next agent reply, resolution by
/// closing. A closed ticket has no running target; a paused resolution target has no due time.
/// </summary>
public static class Sla
{
    /// <summary>The targets that are due, unmet and not yet recorded as breached.</summary>
    public static IReadOnlyList<string> DueBreaches(TicketView t, DateTimeOffset now)
    {
        if (t.Status == TicketStatus.Closed) return [];
        var breaches = new List<string>(3);
        if (t is { FirstReplyAt: null, FirstReplyBreachedAt: null, FirstReplyDueAt: { } firstReply } && firstReply <= now)
            breaches.Add(SlaBreach.FirstReply);
        if (t is { NextReplyBreachedAt: null, NextReplyDueAt: { } nextReply } && nextReply <= now)
            breaches.Add(SlaBreach.NextReply);
        if (t is { ResolveBreachedAt: null, ResolveDueAt: { } resolve } && resolve <= now)
            breaches.Add(SlaBreach.Resolution);
        return breaches;
    }

    /// <summary>When the next target that can still be breached falls due; null when none can.</summary>
    public static DateTimeOffset? NextDue(TicketView t) => t.Status == TicketStatus.Closed
        ? null
        : FirstDue(FirstDue(t is { FirstReplyAt: null, FirstReplyBreachedAt: null } ? t.FirstReplyDueAt : null,
            t.ResolveBreachedAt is null ? t.ResolveDueAt : null), t.NextReplyBreachedAt is null ? t.NextReplyDueAt : null);

    /// <summary>The earlier of two targets; for a new ticket (nothing met or breached yet) its first due time.</summary>
    public static DateTimeOffset? FirstDue(DateTimeOffset? a, DateTimeOffset? b) =>
        a is { } f && (b is null || f <= b) ? f : b;

    /// <summary>The ticket with the breaches recorded at <paramref name="now"/>.</summary>
    public static TicketView Record(TicketView t, IReadOnlyList<string> breaches, DateTimeOffset now) => t with
    {
        FirstReplyBreachedAt = breaches.Contains(SlaBreach.FirstReply) ? now : t.FirstReplyBreachedAt,
        NextReplyBreachedAt = breaches.Contains(SlaBreach.NextReply) ? now : t.NextReplyBreachedAt,
        ResolveBreachedAt = breaches.Contains(SlaBreach.Resolution) ? now : t.ResolveBreachedAt,
    };
}

/// <summary>Configuration section <c>Zapnoty:Sla</c>.</summary>
public sealed class SlaOptions
{
    /// <summary>
    /// How often a ticket's reminder ticks again after its due time if the first tick did not
    /// record the breach (a silo died). Orleans' minimum is one minute; tests shorten both.
    /// </summary>
    public TimeSpan ReminderPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often each silo looks for breaches no reminder recorded (a lost registration).</summary>
    public TimeSpan SweepPeriod { get; set; } = TimeSpan.FromMinutes(1);
}
