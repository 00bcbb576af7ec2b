using NodaTime;
using NodaTime.TimeZones;

namespace Zapnoty.Grains.Calendars;

/// <summary>
/// Business-time arithmetic over a <see cref="ProjectCalendar"/>, all of it through NodaTime:
/// each local date's periods become real instants in the calendar's zone, so a period that a
/// DST change shortens or lengthens counts the time that really passes. Local times that do
/// not exist (a spring-forward gap) move forward by the gap and ambiguous ones (a fall-back
/// overlap) take the earlier instant (<see cref="Resolvers.LenientResolver"/>).
/// A holiday has no working time; an extra working day works the periods of the first weekday
/// that has any (Monday in a usual week), whatever weekday it falls on. Imported dates count
/// with the team's own, which win where the two disagree.
/// </summary>
public sealed class BusinessCalendar
{
    private readonly DateTimeZone _zone;
    private readonly List<(LocalTime Start, LocalTime? End)>[] _week = new List<(LocalTime, LocalTime?)>[7];
    private readonly HashSet<LocalDate> _holidays;
    private readonly HashSet<LocalDate> _workingDays;
    private readonly List<(LocalTime Start, LocalTime? End)> _extraDay;

    public BusinessCalendar(ProjectCalendar calendar)
    {
        _zone = CalendarRules.Zone(calendar.TimeZone);
        for (var i = 0; i < 7; i++)
            _week[i] = calendar.Week.Where(p => p.Day == CalendarRules.Days[i])
                .Select(p => (Time(p.Start)!.Value, Time(p.End)))
                .OrderBy(p => p.Item1)
                .ToList();
        (_holidays, _workingDays) = CalendarRules.EffectiveDates(calendar);
        _extraDay = _week.FirstOrDefault(d => d.Count > 0) ?? [];
        if (_extraDay.Count == 0)
            throw new ArgumentException("A calendar without working time cannot count business time.", nameof(calendar));

        // Null is 24:00: the start of the next day.
        static LocalTime? Time(string text) => text == "24:00" ? null : new LocalTime(int.Parse(text[..2]), int.Parse(text[3..]));
    }

    /// <summary>
    /// The instant at which <paramref name="duration"/> of working time has passed since
    /// <paramref name="start"/>; null when the calendar has not that much working time within
    /// <see cref="CalendarLimits.SearchDays"/> days (a year of holidays, a huge target).
    /// </summary>
    public Instant? AddBusinessTime(Instant start, Duration duration)
    {
        if (duration < Duration.Zero) throw new ArgumentOutOfRangeException(nameof(duration), "Business time to add cannot be negative.");
        var left = duration;
        var date = start.InZone(_zone).Date;
        for (var day = 0; day <= CalendarLimits.SearchDays; day++, date = date.PlusDays(1))
        {
            foreach (var (from, to) in Intervals(date))
            {
                if (to <= start) continue;
                var begin = from > start ? from : start;
                var available = to - begin;
                if (left <= available) return begin + left;
                left -= available;
            }
        }
        return null;
    }

    /// <summary>Working time between two instants; negative when <paramref name="to"/> is before <paramref name="from"/>.</summary>
    public Duration BusinessTimeBetween(Instant from, Instant to)
    {
        if (to < from) return -BusinessTimeBetween(to, from);
        var total = Duration.Zero;
        var last = to.InZone(_zone).Date;
        for (var date = from.InZone(_zone).Date; date <= last; date = date.PlusDays(1))
        {
            foreach (var (start, end) in Intervals(date))
            {
                var begin = start > from ? start : from;
                var finish = end < to ? end : to;
                if (finish > begin) total += finish - begin;
            }
        }
        return total;
    }

    /// <summary>The working intervals of a local date as instants, in order, none empty.</summary>
    private IEnumerable<(Instant Start, Instant End)> Intervals(LocalDate date)
    {
        var periods = _workingDays.Contains(date) ? _extraDay
            : _holidays.Contains(date) ? []
            : _week[(int)date.DayOfWeek - 1];
        foreach (var (start, end) in periods)
        {
            var from = Resolve(date.At(start));
            var to = Resolve(end is { } e ? date.At(e) : date.PlusDays(1).AtMidnight());
            // A period inside a spring-forward gap resolves to nothing.
            if (to > from) yield return (from, to);
        }
    }

    private Instant Resolve(LocalDateTime local) => local.InZone(_zone, Resolvers.LenientResolver).ToInstant();
}
