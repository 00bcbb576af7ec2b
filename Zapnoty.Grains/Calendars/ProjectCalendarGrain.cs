using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Zapnoty.Grains.Audit;
using Zapnoty.Grains.Storage;

namespace Zapnoty.Grains.Calendars;

/// <summary>
/// Owns one project's calendar: loaded once per activation, changed by validate, one
/// transaction with the audit entry, then memory — so a reader never sees an unsaved calendar.
/// A calendar with an <c>ical_url</c> is fetched when the URL is set or changed (a failure
/// refuses the change) and again daily by a reminder (a failure keeps the last good dates
/// and is recorded in <see cref="ProjectCalendar.IcalError"/>). <see cref="Get"/> interleaves,
/// so readers are not held up while a fetch is out.
/// </summary>
public sealed class ProjectCalendarGrain(CalendarStore store, TimeProvider clock, IcalFetcher fetcher, ILogger<ProjectCalendarGrain> log)
    : Grain, IProjectCalendarGrain, IRemindable
{
    public const string AuditChanged = "helpdesk.calendar_changed";
    public const string IcalReminder = "ical";

    /// <summary>How often a published calendar is fetched again.</summary>
    public static readonly TimeSpan IcalRefreshPeriod = TimeSpan.FromDays(1);

    private bool _loaded;
    private ProjectCalendar? _calendar;

    private Guid ProjectId => this.GetPrimaryKey();

    public async Task<ProjectCalendar?> Get()
    {
        if (!_loaded)
        {
            var loaded = await store.Load(ProjectId, CancellationToken.None);
            // Get interleaves: a change saved while this read was out is newer than what it read.
            if (!_loaded)
            {
                _calendar = loaded;
                _loaded = true;
            }
        }
        return _calendar;
    }

    public async Task<ProjectCalendar> Set(Actor actor, ProjectCalendar calendar)
    {
        var normalized = CalendarRules.Normalize(calendar);
        var current = await Get();
        if (normalized.IcalUrl is null)
            normalized = normalized with { ImportedHolidays = null, ImportedWorkingDays = null, IcalLastFetchedAt = null, IcalError = null, IcalFailedAt = null };
        else if (current is not null && current.IcalUrl == normalized.IcalUrl && current.IcalLastFetchedAt is not null)
            // The same URL keeps what it gave (the daily refresh renews it), so saving the week
            // never waits on the remote server; one never fetched (stored before fetching existed) is fetched now.
            normalized = normalized with
            {
                ImportedHolidays = current.ImportedHolidays, ImportedWorkingDays = current.ImportedWorkingDays,
                IcalLastFetchedAt = current.IcalLastFetchedAt, IcalError = current.IcalError, IcalFailedAt = current.IcalFailedAt,
            };
        else
            // A new URL must work now: a refusal here saves nothing.
            normalized = Imported(normalized, await IcalFeed.Read(fetcher, normalized.IcalUrl, clock.GetUtcNow(), CancellationToken.None));
        await Save(actor, normalized, new
        {
            time_zone = normalized.TimeZone, periods = normalized.Week.Count, holidays = normalized.Holidays.Count,
            working_days = normalized.WorkingDays.Count, ical_host = IcalHost(normalized),
            imported_holidays = normalized.ImportedHolidays?.Count, imported_working_days = normalized.ImportedWorkingDays?.Count,
        });
        await KeepRefreshing(normalized.IcalUrl is not null);
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

    public async Task<ProjectCalendar?> RefreshIcal()
    {
        var current = await Get();
        if (current?.IcalUrl is not { } url)
        {
            await KeepRefreshing(false);
            return current;
        }
        var now = clock.StoredNow();
        ProjectCalendar refreshed;
        try
        {
            refreshed = Imported(current, await IcalFeed.Read(fetcher, url, now, CancellationToken.None));
        }
        catch (DomainException e)
        {
            log.LogWarning("The published calendar of project {ProjectId} at {IcalHost} could not be refreshed; its last good dates stay: {IcalError}",
                ProjectId, IcalHost(current), e.Message);
            refreshed = current with { IcalError = e.Message, IcalFailedAt = now };
        }
        // Only a change of the dates is the team's business; a daily fetch that changes nothing is not audited.
        var datesChanged = !Same(refreshed.ImportedHolidays, current.ImportedHolidays) || !Same(refreshed.ImportedWorkingDays, current.ImportedWorkingDays);
        await Save(datesChanged ? Actor.System : null, refreshed, new
        {
            ical_host = IcalHost(refreshed), imported_holidays = refreshed.ImportedHolidays?.Count, imported_working_days = refreshed.ImportedWorkingDays?.Count,
        });
        return refreshed;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == IcalReminder) await RefreshIcal();
    }

    private ProjectCalendar Imported(ProjectCalendar calendar, IcalFeed.Imported dates) => calendar with
    {
        ImportedHolidays = dates.Holidays, ImportedWorkingDays = dates.WorkingDays,
        IcalLastFetchedAt = clock.StoredNow(), IcalError = null, IcalFailedAt = null,
    };

    /// <summary>
    /// One daily reminder while the calendar has a URL, none otherwise. The change is already
    /// committed, so a reminder call that fails (for seconds after a silo crash) is logged, not
    /// thrown: the next change of the calendar tries again.
    /// </summary>
    private async Task KeepRefreshing(bool wanted)
    {
        try
        {
            var reminder = await this.GetReminder(IcalReminder);
            if (wanted && reminder is null) await this.RegisterOrUpdateReminder(IcalReminder, IcalRefreshPeriod, IcalRefreshPeriod);
            else if (!wanted && reminder is not null) await this.UnregisterReminder(reminder);
        }
        catch (Exception e) when (e is OrleansException or TimeoutException)
        {
            log.LogWarning(e, "The daily refresh of project {ProjectId}'s published calendar could not be {Change}", ProjectId, wanted ? "scheduled" : "cancelled");
        }
    }

    /// <summary>The host alone: the whole URL of a private calendar is a secret, kept out of logs and the audit.</summary>
    private static string? IcalHost(ProjectCalendar calendar) => calendar.IcalUrl is { } url ? new Uri(url).Host : null;

    private static bool Same(List<string>? a, List<string>? b) => (a ?? []).SequenceEqual(b ?? []);

    /// <summary>Stores the calendar (with an audit entry when <paramref name="actor"/> is given), then keeps it in memory.</summary>
    private async Task Save(Actor? actor, ProjectCalendar calendar, object details)
    {
        var now = clock.StoredNow();
        if (actor is null) await store.SaveUnaudited(ProjectId, calendar, now, CancellationToken.None);
        else await store.Save(ProjectId, calendar, new AuditEntry(now, actor, AuditChanged, null, details), CancellationToken.None);
        _calendar = calendar;
        _loaded = true;
    }
}
