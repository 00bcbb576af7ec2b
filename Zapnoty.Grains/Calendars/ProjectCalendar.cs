namespace Zapnoty.Grains.Calendars;

/// <summary>
/// A project's business hours as stored and sent between grains: an IANA time zone, the weekly
/// periods, holidays and extra working days. Times are <c>HH:mm</c> (an end may be <c>24:00</c>),
/// dates <c>yyyy-MM-dd</c>; a value of this type has passed <see cref="CalendarRules.Normalize"/>.
/// <see cref="Holidays"/> and <see cref="WorkingDays"/> are the team's own lists; the dates read
/// from <see cref="IcalUrl"/> are kept apart (<see cref="ImportedHolidays"/>...), so a refresh
/// replaces only them, and the team's own word wins where the two disagree
/// (<see cref="CalendarRules.EffectiveDates"/>).
/// </summary>
[GenerateSerializer]
[Alias("Zapnoty.Grains.Calendars.ProjectCalendar")]
public sealed record ProjectCalendar(
    [property: Id(0)] string TimeZone,
    [property: Id(1)] List<WorkPeriod> Week,
    [property: Id(2)] List<string> Holidays,
    [property: Id(3)] List<string> WorkingDays,
    [property: Id(4)] string? IcalUrl)
{
    // Added after the first release: init properties, so every existing constructor call stays
    // valid; null when a calendar was stored or sent before them.

    /// <summary>Holidays read from <see cref="IcalUrl"/> at its last successful fetch.</summary>
    [Id(5)] public List<string>? ImportedHolidays { get; init; }

    /// <summary>Extra working days read from <see cref="IcalUrl"/> at its last successful fetch.</summary>
    [Id(6)] public List<string>? ImportedWorkingDays { get; init; }

    /// <summary>When <see cref="IcalUrl"/> was last fetched and read successfully.</summary>
    [Id(7)] public DateTimeOffset? IcalLastFetchedAt { get; init; }

    /// <summary>Why the last refresh failed (the imported dates are then those of the last success); null after a success.</summary>
    [Id(8)] public string? IcalError { get; init; }

    /// <summary>When the last refresh failed; null after a success.</summary>
    [Id(9)] public DateTimeOffset? IcalFailedAt { get; init; }
}

/// <summary>One working period of a weekday: <c>mon</c>..<c>sun</c>, from <c>Start</c> to <c>End</c> local time.</summary>
[GenerateSerializer]
[Alias("Zapnoty.Grains.Calendars.WorkPeriod")]
public sealed record WorkPeriod(
    [property: Id(0)] string Day,
    [property: Id(1)] string Start,
    [property: Id(2)] string End);

public static class CalendarLimits
{
    public const int MaxPeriodsPerDay = 12;
    public const int MaxHolidays = 1000;
    public const int MaxWorkingDays = 1000;
    public const int MaxIcalUrlLength = 2048;

    /// <summary>An uploaded <c>.ics</c>: a country's official calendar for a few years fits many times over.</summary>
    public const int MaxIcsBytes = 256 * 1024;

    /// <summary>A calendar fetched from <c>ical_url</c>: published feeds carry many years, so more room than an upload.</summary>
    public const int MaxFetchedIcsBytes = 1024 * 1024;

    /// <summary>Imported dates kept per list; dates more than a year old are dropped before counting.</summary>
    public const int MaxImportedDates = 3000;

    /// <summary>How far ahead the arithmetic searches for working time before it gives up.</summary>
    public const int SearchDays = 2 * 366;
}
