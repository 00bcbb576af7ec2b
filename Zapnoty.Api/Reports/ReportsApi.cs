using System.Globalization;
using System.Text;
using CsvHelper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Zapnoty.Api.Access;
using Zapnoty.Api.Problems;
using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Reports;

namespace Zapnoty.Api.Reports;

/// <summary>
/// Reports (issue 20), read from the rollups that every change maintains (migration 0030), for
/// owners and admins: the overview, volume grouped by day, week, channel, type, tag or priority,
/// per agent, and the busiest hours; each as JSON, CSV or XLSX. And the export of a range's tickets
/// as CSV or XLSX, streamed.
/// </summary>
public static class ReportsApi
{
    private const string TextCsv = "text/csv";

    public static IEndpointRouteBuilder MapReportsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/projects/{projectId:guid}/reports").WithTags("Reports").WithProjectAccess();
        // Each report answers JSON, or CSV or XLSX when asked (format=csv|xlsx or the Accept header).
        api.MapGet("/overview", Overview).RequireRole(ProjectRole.Admin).ProducesProblems(StatusCodes.Status422UnprocessableEntity);
        api.MapGet("/volume", Volume).RequireRole(ProjectRole.Admin).ProducesProblems(StatusCodes.Status422UnprocessableEntity);
        api.MapGet("/agents", Agents).RequireRole(ProjectRole.Admin).ProducesProblems(StatusCodes.Status422UnprocessableEntity);
        api.MapGet("/hours", Hours).RequireRole(ProjectRole.Admin).ProducesProblems(StatusCodes.Status422UnprocessableEntity);
        app.MapGroup("/v1/projects/{projectId:guid}/helpdesk/tickets").WithTags("Reports").WithProjectAccess()
            .MapGet("/export", Export).RequireRole(ProjectRole.Admin)
            .Produces(StatusCodes.Status200OK, contentType: TextCsv, additionalContentTypes: ReportXlsx.ContentType).ProducesProblems(StatusCodes.Status422UnprocessableEntity);
        return app;
    }

    /// <summary>
    /// Tickets created, closed and reopened; first response and resolution times (count, average,
    /// median, p90, seconds), also in business hours (the project calendar's working time, less
    /// the time the SLA paused while waiting); SLA targets met and breached; CSAT (surveys sent and
    /// answered, score distribution and average, comments); replies, notes, customer messages and
    /// credits spent; tickets per customer — over days <c>from</c>..<c>to</c> in the project's time zone.
    /// </summary>
    private static async Task<Results<Ok<OverviewReport>, ContentHttpResult, PushStreamHttpResult>> Overview(Guid projectId, [AsParameters] ReportQuery query,
        HttpContext http, ReportStore reports, CustomerReport customers, TimeProvider clock, CancellationToken cancellationToken)
    {
        var range = query.Range(clock.GetUtcNow());
        var current = await reports.Read(projectId, range, ReportGrouping.Total, cancellationToken);
        var previous = query.Compare == true ? await reports.Read(projectId, range.Previous, ReportGrouping.Total, cancellationToken) : null;
        async Task<OverviewPeriod> Period(ReportRange r, ReportResult result) =>
            new(r.From, r.To, result.Groups.FirstOrDefault()?.Figures ?? ReportFigures.None, await customers.Read(projectId, r, cancellationToken));
        var report = new OverviewReport(current.TimeZone, await Period(range, current), previous is null ? null : await Period(range.Previous, previous));
        var rows = new List<(string, ReportRow, object?[])>
        {
            ("current", new ReportRow(Days(range), null, report.Current.Figures), ReportCsv.CustomerValues(report.Current.Customers)),
        };
        if (report.Previous is { } before)
            rows.Add(("previous", new ReportRow(Days(range.Previous), null, before.Figures), ReportCsv.CustomerValues(before.Customers)));
        if (query.WantsXlsx(http.Request)) return XlsxTable("overview", "range", rows, key => key, ReportCsv.CustomerColumns, cancellationToken);
        if (!query.WantsCsv(http.Request)) return TypedResults.Ok(report);
        return CsvFile(http, "overview", ReportCsv.Table("range", rows, ReportCsv.CustomerColumns));
    }

    /// <summary>
    /// The figures per <c>group_by</c>: <c>day</c> (default), <c>week</c> (keyed by its Monday),
    /// <c>channel</c>, <c>type</c>, <c>tag</c> or <c>priority</c>. A ticket counts under its
    /// current channel, type, priority and tags.
    /// </summary>
    private static async Task<Results<Ok<ReportTable>, ContentHttpResult, PushStreamHttpResult>> Volume(Guid projectId, [AsParameters] ReportQuery query,
        [FromQuery(Name = "group_by")] string? groupBy, HttpContext http, ReportStore reports, TimeProvider clock, CancellationToken cancellationToken)
    {
        var grouping = (groupBy ?? "day") switch
        {
            "day" => ReportGrouping.Day,
            "week" => ReportGrouping.Week,
            "channel" => ReportGrouping.Channel,
            "type" => ReportGrouping.Type,
            "tag" => ReportGrouping.Tag,
            "priority" => ReportGrouping.Priority,
            _ => (ReportGrouping?)null,
        };
        if (grouping is null) new Validation().Add("group_by", "The field group_by must be day, week, channel, type, tag or priority.").ThrowIfAny();
        return await Table(projectId, query, grouping!.Value, groupBy ?? "day", http, reports, clock, cancellationToken);
    }

    /// <summary>
    /// Per agent (a member or an API key): tickets assigned to them, closed while theirs, replies,
    /// notes and credits spent on their replies; first response and resolution times (calendar and
    /// business hours) of the tickets assigned to them; SLA outcomes and CSAT of those tickets.
    /// </summary>
    private static Task<Results<Ok<ReportTable>, ContentHttpResult, PushStreamHttpResult>> Agents(Guid projectId, [AsParameters] ReportQuery query,
        HttpContext http, ReportStore reports, TimeProvider clock, CancellationToken cancellationToken) =>
        Table(projectId, query, ReportGrouping.Agent, "agent", http, reports, clock, cancellationToken);

    /// <summary>The busiest hours: tickets created, customer messages and replies per ISO day of week and hour, in the project's time zone.</summary>
    private static async Task<Results<Ok<HoursReport>, ContentHttpResult, PushStreamHttpResult>> Hours(Guid projectId, [AsParameters] ReportQuery query,
        HttpContext http, ReportStore reports, TimeProvider clock, CancellationToken cancellationToken)
    {
        var range = query.Range(clock.GetUtcNow());
        var current = await reports.Read(projectId, range, ReportGrouping.Hour, cancellationToken);
        var previous = query.Compare == true ? await reports.Read(projectId, range.Previous, ReportGrouping.Hour, cancellationToken) : null;
        static HoursPeriod Period(ReportRange r, ReportResult result) => new(r.From, r.To, result.Groups
            .Select(g => (Key: g.Key.Split(':'), g.Figures))
            .Select(g => new HourCell(int.Parse(g.Key[0], CultureInfo.InvariantCulture), int.Parse(g.Key[1], CultureInfo.InvariantCulture),
                g.Figures.Created, g.Figures.CustomerMessages, g.Figures.Replies))
            .Where(c => c.Created + c.CustomerMessages + c.Replies != 0)
            .OrderBy(c => c.DayOfWeek).ThenBy(c => c.Hour)
            .ToList());
        var report = new HoursReport(current.TimeZone, Period(range, current), previous is null ? null : Period(range.Previous, previous));
        var cells = report.Current.Cells.Select(c => ("current", c)).Concat(report.Previous?.Cells.Select(c => ("previous", c)) ?? []);
        if (query.WantsXlsx(http.Request))
            return XlsxFile("hours", ReportCsv.HourColumns,
                cells.Select(p => new object?[] { p.Item1, p.Item2.DayOfWeek, p.Item2.Hour, p.Item2.Created, p.Item2.CustomerMessages, p.Item2.Replies }), cancellationToken);
        if (!query.WantsCsv(http.Request)) return TypedResults.Ok(report);
        return CsvFile(http, "hours", ReportCsv.Hours(cells));
    }

    /// <summary>
    /// Every ticket created in days <c>from</c>..<c>to</c> (project time zone) as CSV, or XLSX with
    /// <c>format=xlsx</c>, oldest first, streamed from the database as it is read: no row cap. Times are UTC.
    /// </summary>
    private static PushStreamHttpResult Export(Guid projectId, [AsParameters] ReportQuery query, HttpContext http, TicketExport export,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        var range = query.Range(clock.GetUtcNow());
        if (query.WantsXlsx(http.Request))
            return TypedResults.Stream(async body =>
            {
                await using var xlsx = await ReportXlsx.Start(body, "tickets", TicketExport.Columns, cancellationToken);
                await foreach (var row in export.Rows(projectId, range, cancellationToken))
                    await xlsx.Add(ExportCells.Typed(row), cancellationToken);
                await xlsx.Finish(cancellationToken);
            }, ReportXlsx.ContentType, $"tickets-{range.From:yyyy-MM-dd}-{range.To:yyyy-MM-dd}.xlsx");
        return TypedResults.Stream(async body =>
        {
            // Asynchronous writes only: the response refuses synchronous I/O.
            await using var csv = CsvWriter.Create(body, ReportCsv.Options, leaveOpen: true);
            await csv.WriteRecordAsync([.. TicketExport.Columns], cancellationToken);
            await foreach (var row in export.Rows(projectId, range, cancellationToken))
                await csv.WriteRecordAsync(row, cancellationToken);
            await csv.FlushAsync(cancellationToken);
        }, TextCsv, $"tickets-{range.From:yyyy-MM-dd}-{range.To:yyyy-MM-dd}.csv");
    }

    private static async Task<Results<Ok<ReportTable>, ContentHttpResult, PushStreamHttpResult>> Table(Guid projectId, ReportQuery query, ReportGrouping grouping,
        string groupBy, HttpContext http, ReportStore reports, TimeProvider clock, CancellationToken cancellationToken)
    {
        var range = query.Range(clock.GetUtcNow());
        var current = await reports.Read(projectId, range, grouping, cancellationToken);
        var previous = query.Compare == true ? await reports.Read(projectId, range.Previous, grouping, cancellationToken) : null;
        static ReportPeriod Period(ReportRange r, ReportResult result) =>
            new(r.From, r.To, result.Groups.Select(g => new ReportRow(g.Key, g.Name, g.Figures)).ToList());
        var table = new ReportTable(current.TimeZone, groupBy, Period(range, current), previous is null ? null : Period(range.Previous, previous));
        var rows = table.Current.Rows.Select(r => ("current", r)).Concat(table.Previous?.Rows.Select(r => ("previous", r)) ?? []);
        var name = groupBy == "agent" ? "agents" : $"volume-by-{groupBy}";
        // A day's or a week's key is a day: a date cell in a spreadsheet.
        Func<string, object> key = grouping is ReportGrouping.Day or ReportGrouping.Week
            ? k => DateOnly.ParseExact(k, "yyyy-MM-dd", CultureInfo.InvariantCulture)
            : k => k;
        if (query.WantsXlsx(http.Request)) return XlsxTable(name, groupBy, rows, key, cancellationToken);
        if (!query.WantsCsv(http.Request)) return TypedResults.Ok(table);
        return CsvFile(http, name, ReportCsv.Table(groupBy, rows));
    }

    private static PushStreamHttpResult XlsxTable(string name, string keyColumn, IEnumerable<(string Period, ReportRow Row)> rows,
        Func<string, object> key, CancellationToken cancellationToken) =>
        XlsxTable(name, keyColumn, rows.Select(r => (r.Period, r.Row, Array.Empty<object?>())), key, [], cancellationToken);

    private static PushStreamHttpResult XlsxTable(string name, string keyColumn, IEnumerable<(string Period, ReportRow Row, object?[] More)> rows,
        Func<string, object> key, IReadOnlyList<string> moreColumns, CancellationToken cancellationToken) =>
        XlsxFile(name, [.. new[] { "period", keyColumn, "name" }.Concat(ReportCsv.FigureColumns).Concat(moreColumns)],
            rows.Select(r => (object?[])[r.Period, key(r.Row.Key), r.Row.Name, .. ReportCsv.FigureValues(r.Row.Figures), .. r.More]), cancellationToken);

    private static PushStreamHttpResult XlsxFile(string name, IReadOnlyList<string> header, IEnumerable<object?[]> rows,
        CancellationToken cancellationToken) =>
        TypedResults.Stream(async body =>
        {
            await using var xlsx = await ReportXlsx.Start(body, name, header, cancellationToken);
            foreach (var row in rows) await xlsx.Add(row, cancellationToken);
            await xlsx.Finish(cancellationToken);
        }, ReportXlsx.ContentType, $"{name}.xlsx");

    private static string Days(ReportRange range) => $"{range.From:yyyy-MM-dd}..{range.To:yyyy-MM-dd}";

    private static ContentHttpResult CsvFile(HttpContext http, string name, string csv)
    {
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{name}.csv\"";
        return TypedResults.Text(csv, TextCsv, Encoding.UTF8);
    }
}
