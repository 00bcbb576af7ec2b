using Zapnoty.Grains.Audit;
using Zapnoty.Grains.Storage;

namespace Zapnoty.Grains.Calendars;

/// <summary>
/// Owns one project's calendar: loaded once per activation, changed by validate, one
/// transaction with the audit entry, then memory — so a reader never sees an unsaved calendar.
/// </summary>
public sealed class ProjectCalendarGrain(CalendarStore store, TimeProvider clock) : Grain, IProjectCalendarGrain
{
    public const string AuditChanged = "helpdesk.calendar_changed";

    private bool _loaded;
    private ProjectCalendar? _calendar;

    private Guid ProjectId => this.GetPrimaryKey();

    public async Task<ProjectCalendar?> Get()
    {
        if (!_loaded)
        {
            _calendar = await store.Load(ProjectId, CancellationToken.None);
            _loaded = true;
        }
        return _calendar;
    }

    public async Task<ProjectCalendar> Set(Actor actor, ProjectCalendar calendar)
    {
        var normalized = CalendarRules.Normalize(calendar);
        await Save(actor, normalized, new { time_zone = normalized.TimeZone, periods = normalized.Week.Count,
            holidays = normalized.Holidays.Count, working_days = normalized.WorkingDays.Count });
        return normalized;
    }

    public async Task<ProjectCalendar> ImportIcs(Actor actor, string ics)
    {
        var current = await Get() ?? throw DomainException.Conflict(
            "The project has no calendar yet: set its time zone and week (PUT .../helpdesk/calendar) before importing holidays.");
        var dates = IcsImport.Read(ics);
        var holidays = current.Holidays.Select(CalendarRules.ParseDate).ToHashSet();
        var workingDays = current.WorkingDays.Select(CalendarRules.ParseDate).ToHashSet();
        // The file is the later word on the dates it names: a date it calls a working day stops being a holiday and back.
        holidays.ExceptWith(dates.WorkingDays);
        workingDays.ExceptWith(dates.Holidays);
        holidays.UnionWith(dates.Holidays);
        workingDays.UnionWith(dates.WorkingDays);
        var merged = CalendarRules.Normalize(current with
        {
            Holidays = holidays.Select(CalendarRules.DateText).ToList(),
            WorkingDays = workingDays.Select(CalendarRules.DateText).ToList(),
        });
        await Save(actor, merged, new { imported_holidays = dates.Holidays.Count, imported_working_days = dates.WorkingDays.Count });
        return merged;
    }

    private async Task Save(Actor actor, ProjectCalendar calendar, object details)
    {
        await store.Save(ProjectId, calendar, new AuditEntry(clock.StoredNow(), actor, AuditChanged, null, details), CancellationToken.None);
        _calendar = calendar;
        _loaded = true;
    }
}
