using Orleans.Concurrency;

namespace Zapnoty.Grains.Calendars;

/// <summary>A project's business-hours calendar, keyed by the project id.</summary>
[Alias("Zapnoty.Grains.Calendars.IProjectCalendarGrain")]
public interface IProjectCalendarGrain : IGrainWithGuidKey
{
    /// <summary>
    /// The calendar; null while the project has none (SLA targets then run around the clock).
    /// Interleaves with everything: it only reads what is saved, and a fetch of the published
    /// calendar (seconds) must not hold up the SLA arithmetic that reads it.
    /// </summary>
    [Alias("C4A10001")]
    [AlwaysInterleave] Task<ProjectCalendar?> Get();

    /// <summary>
    /// Replaces the calendar after <see cref="CalendarRules.Normalize"/>; returns what is stored.
    /// A new or changed <c>ical_url</c> is fetched first; a failure refuses the change (422).
    /// </summary>
    [Alias("C4A10002")]
    Task<ProjectCalendar> Set(Actor actor, ProjectCalendar calendar);

    /// <summary>Adds the holidays and working days of an iCalendar file to the existing calendar.</summary>
    [Alias("C4A10003")]
    Task<ProjectCalendar> ImportIcs(Actor actor, string ics);

    /// <summary>
    /// Fetches the calendar's <c>ical_url</c> again and replaces the imported dates; a failure
    /// keeps the last good ones and is recorded in <c>ical_error</c>. What the daily reminder runs.
    /// </summary>
    [Alias("C4A10004")]
    Task<ProjectCalendar?> RefreshIcal();
}
