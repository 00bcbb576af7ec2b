using Ical.Net.CalendarComponents;
using NodaTime;

namespace Zapnoty.Grains.Calendars;

/// <summary>
/// Reads holidays and extra working days out of an iCalendar file (a country's official
/// calendar, a team's own). Only all-day VEVENTs count; an event is a working day when a
/// CATEGORIES value is <c>WORKING-DAY</c>/<c>WORKDAY</c>/<c>Рабочий день</c> or its SUMMARY
/// begins with "Working day", "Workday", "Рабочий день" or "Рабочая суббота" (how official
/// Russian calendars name the moved working Saturdays); every other all-day event is a
/// holiday. A multi-day event covers each of its days (DTEND is exclusive). Recurrence rules
/// are not expanded: only an event's own dates are taken.
/// </summary>
public static class IcsImport
{
    private const int MaxEventDays = 366;

    private static readonly string[] WorkingCategories = ["working-day", "workday", "рабочий день"];
    private static readonly string[] WorkingSummaries = ["working day", "workday", "рабочий день", "рабочая суббота"];

    public sealed record Dates(SortedSet<LocalDate> Holidays, SortedSet<LocalDate> WorkingDays);

    /// <summary>The dates of the file; a file that is not iCalendar is refused (400, field <c>ics</c>).</summary>
    public static Dates Read(string ics)
    {
        if (StorableText.FaultOf(ics) is not null)
            throw DomainException.Invalid("ics", "The calendar file contains U+0000 or broken UTF-16; it is not an iCalendar file.");
        if (!ics.TrimStart().StartsWith("BEGIN:VCALENDAR", StringComparison.OrdinalIgnoreCase))
            throw DomainException.Invalid("ics", "The file is not an iCalendar file: it does not begin with BEGIN:VCALENDAR.");
        Ical.Net.Calendar? calendar;
        try
        {
            calendar = Ical.Net.Calendar.Load(ics);
        }
        // The parser's failures are of many types and all mean the same thing here: not a calendar.
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw DomainException.Invalid("ics", $"The file is not a valid iCalendar file: {OneLine(e.Message)}");
        }
        if (calendar is null)
            throw DomainException.Invalid("ics", "The file is not a valid iCalendar file: no VCALENDAR in it.");

        var dates = new Dates([], []);
        foreach (var evt in calendar.Events)
        {
            if (evt.DtStart is null)
                throw DomainException.Invalid("ics", $"The event '{OneLine(evt.Uid ?? evt.Summary ?? "?")}' has no valid DTSTART.");
            if (evt.DtStart is not { HasTime: false } start) continue;
            var first = LocalDate.FromDateOnly(start.Date);
            var end = evt.DtEnd is { HasTime: false } dtEnd ? LocalDate.FromDateOnly(dtEnd.Date) : first.PlusDays(1);
            var target = IsWorkingDay(evt) ? dates.WorkingDays : dates.Holidays;
            for (var (date, n) = (first, 0); date < end && n < MaxEventDays; date = date.PlusDays(1), n++)
                target.Add(date);
        }
        if (dates.Holidays.Count == 0 && dates.WorkingDays.Count == 0)
            throw DomainException.Invalid("ics", "The file has no all-day events: nothing to import as holidays or working days.");
        // A date an official calendar marks both ways is a working day: the move is the later word.
        dates.Holidays.ExceptWith(dates.WorkingDays);
        return dates;
    }

    private static bool IsWorkingDay(CalendarEvent evt) =>
        evt.Categories.Any(c => WorkingCategories.Contains(c.Trim().ToLowerInvariant()))
        || (evt.Summary?.Trim().ToLowerInvariant() is { } summary && WorkingSummaries.Any(summary.StartsWith));

    private static string OneLine(string message)
    {
        var line = message.ReplaceLineEndings(" ");
        return line.Length <= 200 ? line : line[..200] + "…";
    }
}
