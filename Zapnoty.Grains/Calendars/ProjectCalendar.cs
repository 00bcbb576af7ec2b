namespace Zapnoty.Grains.Calendars;

/// <summary>
/// A project's business hours as stored and sent between grains: an IANA time zone, the weekly
/// periods, holidays and extra working days. Times are <c>HH:mm</c> (an end may be <c>24:00</c>),
/// dates <c>yyyy-MM-dd</c>; a value of this type has passed <see cref="CalendarRules.Normalize"/>.
/// </summary>
[GenerateSerializer]
[Alias("Zapnoty.Grains.Calendars.ProjectCalendar")]
public sealed record ProjectCalendar(
    [property: Id(0)] string TimeZone,
    [property: Id(1)] List<WorkPeriod> Week,
    [property: Id(2)] List<string> Holidays,
    [property: Id(3)] List<string> WorkingDays,
    [property: Id(4)] string? IcalUrl);

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

    /// <summary>How far ahead the arithmetic searches for working time before it gives up.</summary>
    public const int SearchDays = 2 * 366;
}
