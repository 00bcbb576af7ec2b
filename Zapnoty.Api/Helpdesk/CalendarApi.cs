using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Zapnoty.Api.Access;
using Zapnoty.Api.Problems;
using Zapnoty.Grains.Calendars;
using Zapnoty.Grains.Projects;

namespace Zapnoty.Api.Helpdesk;

/// <summary>
/// Business hours: <c>time_zone</c> (IANA), <c>week</c> (<c>mon</c>..<c>sun</c> → periods
/// <c>["HH:mm","HH:mm"]</c>, an end may be <c>24:00</c>), <c>holidays</c> and extra
/// <c>working_days</c> (<c>yyyy-MM-dd</c>), <c>ical_url</c> (stored, not fetched yet).
/// </summary>
public sealed record CalendarDto(
    string? TimeZone, Dictionary<string, List<List<string>>> Week, List<string> Holidays, List<string> WorkingDays, string? IcalUrl)
{
    public static CalendarDto From(ProjectCalendar? c) => c is null
        ? new(null, [], [], [], null)
        : new(c.TimeZone,
            c.Week.GroupBy(p => p.Day).ToDictionary(d => d.Key, d => d.Select(p => new List<string> { p.Start, p.End }).ToList()),
            c.Holidays, c.WorkingDays, c.IcalUrl);
}

/// <summary>An iCalendar file to import: its all-day events become holidays, or working days when marked so.</summary>
public sealed record IcsImportRequest(string? Ics);

public static class CalendarApi
{
    public static RouteGroupBuilder MapCalendarApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/projects/{projectId:guid}/helpdesk/calendar").WithTags("Business hours").WithProjectAccess();
        api.MapGet("/", Get);
        api.MapPut("/", Set).RequireRole(ProjectRole.Admin);
        api.MapPut("/ical", Import).RequireRole(ProjectRole.Admin).ProducesProblems(StatusCodes.Status409Conflict)
            .WithMetadata(new RequestSizeLimitAttribute(MaxImportBodyBytes));
        return api;
    }

    /// <summary>The JSON around the largest accepted file, with room for its escaping.</summary>
    private const long MaxImportBodyBytes = CalendarLimits.MaxIcsBytes * 2;

    /// <summary>The project's calendar; without one, <c>time_zone</c> is null and SLA targets run around the clock.</summary>
    private static async Task<Ok<CalendarDto>> Get(Guid projectId, IGrainFactory grains) =>
        TypedResults.Ok(CalendarDto.From(await grains.GetGrain<IProjectCalendarGrain>(projectId).Get()));

    /// <summary>Replaces the calendar. Refused (400) when it has no working time at all.</summary>
    private static async Task<Ok<CalendarDto>> Set(Guid projectId, CalendarDto body, Caller caller, IGrainFactory grains)
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
        return TypedResults.Ok(CalendarDto.From(calendar));
    }

    /// <summary>
    /// Adds the holidays and working days of an iCalendar file (<c>ics</c>, at most 256 KB) to
    /// the calendar; the file's word wins on the dates it names. 409 while the project has no calendar.
    /// </summary>
    private static async Task<Ok<CalendarDto>> Import(Guid projectId, IcsImportRequest body, Caller caller, IGrainFactory grains)
    {
        new Validation().Required(body.Ics, "ics").ThrowIfAny();
        if (System.Text.Encoding.UTF8.GetByteCount(body.Ics!) > CalendarLimits.MaxIcsBytes)
            throw new BadHttpRequestException($"The calendar file is larger than {CalendarLimits.MaxIcsBytes / 1024} KB.", StatusCodes.Status413PayloadTooLarge);
        var calendar = await grains.GetGrain<IProjectCalendarGrain>(projectId).ImportIcs(caller.Actor, body.Ics!);
        return TypedResults.Ok(CalendarDto.From(calendar));
    }
}
