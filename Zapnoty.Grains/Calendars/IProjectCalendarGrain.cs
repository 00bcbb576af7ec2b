using Orleans.Concurrency;

namespace Zapnoty.Grains.Calendars;

/// <summary>A project's business-hours calendar, keyed by the project id.</summary>
[Alias("Zapnoty.Grains.Calendars.IProjectCalendarGrain")]
public interface IProjectCalendarGrain : IGrainWithGuidKey
{
    /// <summary>The calendar; null while the project has none (SLA targets then run around the clock).</summary>
    [Alias("C4A10001")]
    [ReadOnly] Task<ProjectCalendar?> Get();

    /// <summary>Replaces the calendar after <see cref="CalendarRules.Normalize"/>; returns what is stored.</summary>
    [Alias("C4A10002")]
    Task<ProjectCalendar> Set(Actor actor, ProjectCalendar calendar);

    /// <summary>Adds the holidays and working days of an iCalendar file to the existing calendar.</summary>
    [Alias("C4A10003")]
    Task<ProjectCalendar> ImportIcs(Actor actor, string ics);
}
