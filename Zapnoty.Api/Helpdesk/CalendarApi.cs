using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using NodaTime;
using Zapnoty.Api.Access;
using Zapnoty.Api.Problems;
using Zapnoty.Grains;
using Zapnoty.Grains.Calendars;
using Zapnoty.Grains.Projects;

namespace Zapnoty.Api.Helpdesk;

/// <summary>
/// Business hours: <c>time_zone</c> (IANA), <c>week</c> (<c>mon</c>..<c>sun</c> → periods
/// <c>["HH:mm","HH:mm"]</c>, an end may be <c>24:00</c>), <c>holidays</c> and extra
/// <c>working_days</c> (<c>yyyy-MM-dd</c>), <c>ical_url</c>: an https address of a published
/// iCalendar (a country's official calendar), fetched when set and daily after.
/// </summary>
public sealed record CalendarDto(
    string? TimeZone, Dictionary<string, List<List<string>>> Week, List<string> Holidays, List<string> WorkingDays, string? IcalUrl);

/// <summary>
/// The calendar as stored: the team's own <c>holidays</c> and <c>working_days</c>, and apart
/// from them what <c>ical_url</c> gave at its last successful fetch (<c>imported_holidays</c>,
/// <c>imported_working_days</c>, <c>ical_last_fetched_at</c>); <c>ical_error</c> and
/// <c>ical_failed_at</c> say why and when the last refresh failed (null after a success). Both
/// kinds count; where they disagree the team's own lists win. <c>ical_url</c> is shown to admins
/// and owners only (null to others): a private calendar's address is a secret.
/// </summary>
public sealed record CalendarView(
    string? TimeZone, Dictionary<string, List<List<string>>> Week, List<string> Holidays, List<string> WorkingDays, string? IcalUrl,
    List<string> ImportedHolidays, List<string> ImportedWorkingDays, DateTimeOffset? IcalLastFetchedAt, string? IcalError, DateTimeOffset? IcalFailedAt)
{
    public static CalendarView From(ProjectCalendar? c, ProjectRole role) => c is null
        ? new(null, [], [], [], null, [], [], null, null, null)
        : new(c.TimeZone,
            c.Week.GroupBy(p => p.Day).ToDictionary(d => d.Key, d => d.Select(p => new List<string> { p.Start, p.End }).ToList()),
            c.Holidays, c.WorkingDays, role >= ProjectRole.Admin ? c.IcalUrl : null,
            c.ImportedHolidays ?? [], c.ImportedWorkingDays ?? [], c.IcalLastFetchedAt, c.IcalError, c.IcalFailedAt);
}

/// <summary>Where <c>minutes</c> of business time counted from <c>from</c> end (<c>ends_at</c>), by the project's calendar.</summary>
public sealed record CalendarPreview(DateTimeOffset From, int Minutes, DateTimeOffset EndsAt);

/// <summary>An iCalendar file to import: its all-day events become holidays, or working days when marked so.</summary>
public sealed record IcsImportRequest(string? Ics);

public static class CalendarApi
{
    public static RouteGroupBuilder MapCalendarApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/projects/{projectId:guid}/helpdesk/calendar").WithTags("Business hours").WithProjectAccess();
        api.MapGet("/", Get);
        api.MapPut("/", Set).RequireRole(ProjectRole.Admin).ProducesProblems(StatusCodes.Status422UnprocessableEntity);
        api.MapPut("/ical", Import).RequireRole(ProjectRole.Admin).ProducesProblems(StatusCodes.Status409Conflict)
            .WithMetadata(new RequestSizeLimitAttribute(MaxImportBodyBytes));
        api.MapGet("/preview", Preview).ProducesProblems(StatusCodes.Status409Conflict, StatusCodes.Status422UnprocessableEntity);
        return api;
    }

    /// <summary>A year of minutes: more than any SLA target, and bounded work for the arithmetic.</summary>
    private const int MaxPreviewMinutes = 366 * 24 * 60;

    /// <summary>The JSON around the largest accepted file, with room for its escaping.</summary>
    private const long MaxImportBodyBytes = CalendarLimits.MaxIcsBytes * 2;

    /// <summary>The project's calendar; without one, <c>time_zone</c> is null and SLA targets run around the clock.</summary>
    private static async Task<Ok<CalendarView>> Get(Guid projectId, Caller caller, IGrainFactory grains) =>
        TypedResults.Ok(CalendarView.From(await grains.GetGrain<IProjectCalendarGrain>(projectId).Get(), caller.Role));

    /// <summary>
    /// Replaces the calendar. Refused (422) when it has no working time at all, or when a new
    /// <c>ical_url</c> cannot be fetched or is not an iCalendar file; nothing is saved then.
    /// </summary>
    private static async Task<Ok<CalendarView>> Set(Guid projectId, CalendarDto body, Caller caller, IGrainFactory grains)
    {
        var validation = new Validation().Required(body.TimeZone, "time_zone").Required(body.Week, "week");
        var week = new List<WorkPeriod>();
        foreach (var (day, periods) in body.Week ?? [])
            foreach (var period in periods ?? [])
            {
                if (period is not [{ } start, { } end]) validation.Add($"week.{day}", "A period is [\"HH:mm\", \"HH:mm\"].");
                else week.Add(new WorkPeriod(day, start, end));
            }
        validation.ThrowIfAny();
        var calendar = await grains.GetGrain<IProjectCalendarGrain>(projectId).Set(caller.Actor,
            new ProjectCalendar(body.TimeZone!, week, body.Holidays ?? [], body.WorkingDays ?? [], body.IcalUrl));
        return TypedResults.Ok(CalendarView.From(calendar, caller.Role));
    }

    /// <summary>
    /// Adds the holidays and working days of an iCalendar file (<c>ics</c>, at most 256 KB) to
    /// the calendar; the file's word wins on the dates it names. 409 while the project has no calendar.
    /// </summary>
    private static async Task<Ok<CalendarView>> Import(Guid projectId, IcsImportRequest body, Caller caller, IGrainFactory grains)
    {
        new Validation().Required(body.Ics, "ics").ThrowIfAny();
        if (System.Text.Encoding.UTF8.GetByteCount(body.Ics!) > CalendarLimits.MaxIcsBytes)
            throw new BadHttpRequestException($"The calendar file is larger than {CalendarLimits.MaxIcsBytes / 1024} KB.", StatusCodes.Status413PayloadTooLarge);
        var calendar = await grains.GetGrain<IProjectCalendarGrain>(projectId).ImportIcs(caller.Actor, body.Ics!);
        return TypedResults.Ok(CalendarView.From(calendar, caller.Role));
    }

    /// <summary>
    /// The instant at which <c>minutes</c> of business time counted from <c>from</c> (default:
    /// now) end, by the project's calendar: what a business-hours SLA target of that length is
    /// due at. 409 while the project has no calendar; 422 when the calendar has not that much
    /// working time within two years.
    /// </summary>
    private static async Task<Ok<CalendarPreview>> Preview(Guid projectId, [FromQuery(Name = "from")] DateTimeOffset? from,
        [FromQuery(Name = "minutes")] int? minutes, IGrainFactory grains, TimeProvider clock)
    {
        new Validation().Required(minutes, "minutes").ThrowIfAny();
        if (minutes is < 0 or > MaxPreviewMinutes)
            throw DomainException.Invalid("minutes", $"minutes must be from 0 to {MaxPreviewMinutes}.");
        var calendar = await grains.GetGrain<IProjectCalendarGrain>(projectId).Get() ?? throw DomainException.Conflict(
            "The project has no calendar yet: set its time zone and week (PUT .../helpdesk/calendar) first.");
        var start = (from ?? clock.GetUtcNow()).ToUniversalTime();
        var end = new BusinessCalendar(calendar).AddBusinessTime(Instant.FromDateTimeOffset(start), Duration.FromMinutes(minutes!.Value))
            ?? throw DomainException.Unprocessable($"The calendar has less than {minutes} minutes of working time in the two years after from.", "minutes");
        return TypedResults.Ok(new CalendarPreview(start, minutes.Value, end.ToDateTimeOffset()));
    }
}
