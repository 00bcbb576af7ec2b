using System.Globalization;
using NodaTime;
using NodaTime.Text;

namespace Zapnoty.Grains.Calendars;

/// <summary>
/// Checks a calendar as a whole and returns it in one canonical form (days in week order,
/// periods sorted, dates sorted and distinct), so what is stored is what the arithmetic reads.
/// Every malformed value is a 400 naming the field; a well-formed calendar without any working
/// time is refused here (422) so that <see cref="BusinessCalendar"/> always finds working time to count.
/// </summary>
public static class CalendarRules
{
    public static readonly string[] Days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

    private static readonly LocalTimePattern Time = LocalTimePattern.CreateWithInvariantCulture("HH':'mm");
    private static readonly LocalDatePattern Date = LocalDatePattern.Iso;

    public static ProjectCalendar Normalize(ProjectCalendar input)
    {
        var zone = Zone(input.TimeZone);
        var week = new List<WorkPeriod>();
        foreach (var day in Days)
        {
            var periods = input.Week.Where(p => p.Day == day)
                .Select(p => (Start: Minutes(p.Start, day, allowEndOfDay: false), End: Minutes(p.End, day, allowEndOfDay: true)))
                .OrderBy(p => p.Start)
                .ToList();
            if (periods.Count > CalendarLimits.MaxPeriodsPerDay)
                throw DomainException.Invalid($"week.{day}", $"A day has at most {CalendarLimits.MaxPeriodsPerDay} periods.");
            for (var i = 0; i < periods.Count; i++)
            {
                if (periods[i].Start >= periods[i].End)
                    throw DomainException.Invalid($"week.{day}", $"A period must start before it ends ({Text(periods[i].Start)}–{Text(periods[i].End)}); periods do not span midnight, split them at 24:00.");
                if (i > 0 && periods[i].Start < periods[i - 1].End)
                    throw DomainException.Invalid($"week.{day}", $"Periods {Text(periods[i - 1].Start)}–{Text(periods[i - 1].End)} and {Text(periods[i].Start)}–{Text(periods[i].End)} overlap.");
            }
            week.AddRange(periods.Select(p => new WorkPeriod(day, Text(p.Start), Text(p.End))));
        }
        if (input.Week.FirstOrDefault(p => !Days.Contains(p.Day)) is { } unknown)
            throw DomainException.Invalid("week", $"Unknown day '{unknown.Day}'; the days are {string.Join(", ", Days)}.");
        if (week.Count == 0)
            throw DomainException.Unprocessable("The calendar has no working time: give at least one period on one weekday.", "week");

        var holidays = Dates(input.Holidays, "holidays", CalendarLimits.MaxHolidays);
        var workingDays = Dates(input.WorkingDays, "working_days", CalendarLimits.MaxWorkingDays);
        if (holidays.Intersect(workingDays).FirstOrDefault() is { } both)
            throw DomainException.Invalid("working_days", $"{both} is both a holiday and a working day.");

        _ = zone;
        // The imported part is the grain's to set; it passes through untouched.
        return input with { Week = week, Holidays = holidays, WorkingDays = workingDays, IcalUrl = IcalUrl(input.IcalUrl) };
    }

    /// <summary>
    /// The holidays and working days the arithmetic uses: the team's own lists and the imported
    /// ones together, the team's word winning where an imported date says the opposite.
    /// </summary>
    public static (HashSet<LocalDate> Holidays, HashSet<LocalDate> WorkingDays) EffectiveDates(ProjectCalendar calendar)
    {
        var holidays = calendar.Holidays.Select(ParseDate).ToHashSet();
        var workingDays = calendar.WorkingDays.Select(ParseDate).ToHashSet();
        var importedHolidays = (calendar.ImportedHolidays ?? []).Select(ParseDate).Where(d => !workingDays.Contains(d)).ToList();
        var importedWorkingDays = (calendar.ImportedWorkingDays ?? []).Select(ParseDate).Where(d => !holidays.Contains(d)).ToList();
        holidays.UnionWith(importedHolidays);
        workingDays.UnionWith(importedWorkingDays);
        return (holidays, workingDays);
    }

    /// <summary>The zone of an IANA id, from the TZDB NodaTime ships (not the host's, so every silo agrees).</summary>
    public static DateTimeZone Zone(string? id) =>
        (id is null ? null : DateTimeZoneProviders.Tzdb.GetZoneOrNull(id))
        ?? throw DomainException.Invalid("time_zone", $"'{id}' is not an IANA time zone (such as Europe/Moscow).");

    public static LocalDate ParseDate(string text) => Date.Parse(text).Value;

    public static string DateText(LocalDate date) => Date.Format(date);

    /// <summary>Minutes since midnight; <c>24:00</c> (1440) only as an end.</summary>
    public static int Minutes(string? text, string day, bool allowEndOfDay)
    {
        if (allowEndOfDay && text == "24:00") return 24 * 60;
        var parsed = text is null ? null : Time.Parse(text);
        if (parsed is null || !parsed.Success || text!.Length != 5)
            throw DomainException.Invalid($"week.{day}", $"'{text}' is not a time of day as HH:mm{(allowEndOfDay ? " (or 24:00 as an end)" : "")}.");
        return parsed.Value.Hour * 60 + parsed.Value.Minute;
    }

    private static string Text(int minutes) => string.Create(CultureInfo.InvariantCulture, $"{minutes / 60:00}:{minutes % 60:00}");

    private static List<string> Dates(List<string>? dates, string field, int max)
    {
        dates ??= [];
        if (dates.Count > max) throw DomainException.Invalid(field, $"At most {max} dates.");
        var parsed = new SortedSet<LocalDate>();
        foreach (var text in dates)
        {
            var result = text is null ? null : Date.Parse(text);
            if (result is null || !result.Success)
                throw DomainException.Invalid(field, $"'{text}' is not a date as yyyy-MM-dd.");
            parsed.Add(result.Value);
        }
        return parsed.Select(DateText).ToList();
    }

    private static string? IcalUrl(string? url)
    {
        if (string.IsNullOrEmpty(url)) return null;
        if (url.Length > CalendarLimits.MaxIcalUrlLength
            || !Uri.TryCreate(url, UriKind.Absolute, out var uri)
            || uri.Scheme is not ("https" or "http")
            || StorableText.FaultOf(url) is not null)
            throw DomainException.Invalid("ical_url", $"ical_url must be an http(s) URL of at most {CalendarLimits.MaxIcalUrlLength} characters.");
        return url;
    }
}
