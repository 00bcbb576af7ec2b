using NodaTime;
using Zapnoty.Grains.Calendars;

namespace Zapnoty.Grains.SlaPolicies;

/// <summary>
/// The time an SLA target counts: working time of the project's calendar (through
/// <see cref="BusinessCalendar"/>, NodaTime) or, without one, real time around the clock.
/// Answers are real instants at the precision the database stores (microseconds).
/// </summary>
public sealed class SlaClock(ProjectCalendar? calendar)
{
    private BusinessCalendar? _business;

    /// <summary>Whether this clock counts business hours (a calendar is set and the policy asks for them).</summary>
    public bool BusinessHours => calendar is not null;

    private BusinessCalendar? Business => calendar is null ? null : _business ??= new BusinessCalendar(calendar);

    /// <summary>
    /// When <paramref name="span"/> of counted time has passed since <paramref name="start"/>;
    /// null when the calendar has not that much working time within its search window (no due time).
    /// </summary>
    public DateTimeOffset? Add(DateTimeOffset start, TimeSpan span)
    {
        if (span <= TimeSpan.Zero) return Stored(start);
        if (Business is not { } business) return Stored(start + span);
        return business.AddBusinessTime(Instant.FromDateTimeOffset(start), Duration.FromTimeSpan(span)) is { } due
            ? Stored(due.ToDateTimeOffset())
            : null;
    }

    /// <summary>Counted time from <paramref name="from"/> to <paramref name="to"/>; negative when <paramref name="to"/> is earlier.</summary>
    public TimeSpan Between(DateTimeOffset from, DateTimeOffset to) => Business is { } business
        ? business.BusinessTimeBetween(Instant.FromDateTimeOffset(from), Instant.FromDateTimeOffset(to)).ToTimeSpan()
        : to - from;

    public DateTimeOffset? AddMinutes(DateTimeOffset start, int? minutes) => minutes is { } m ? Add(start, TimeSpan.FromMinutes(m)) : null;

    private static DateTimeOffset Stored(DateTimeOffset at) => at.AddTicks(-(at.Ticks % 10));
}
