using Zapnoty.Grains.Reports;

namespace Zapnoty.Api.Reports;

/// <summary>
/// A period's figures: days <c>from</c>..<c>to</c> (inclusive) in <c>time_zone</c>; and tickets per
/// customer among the tickets created in them.
/// </summary>
public sealed record OverviewPeriod(DateOnly From, DateOnly To, ReportFigures Figures, CustomerFigures Customers);

/// <summary>
/// The overview: volume, first response and resolution times (count, average, median, p90 in
/// seconds) in calendar time and in the project calendar's working time (less the time the SLA
/// paused), SLA targets met and breached, CSAT, replies, notes and credits, tickets per customer;
/// with <c>compare=true</c> the previous period of the same length in <c>previous</c>.
/// </summary>
public sealed record OverviewReport(string TimeZone, OverviewPeriod Current, OverviewPeriod? Previous);

/// <summary>One row of a report table: its key (a day, a week's Monday, a channel, a type, tag or agent id), a name where one is known, its figures.</summary>
public sealed record ReportRow(string Key, string? Name, ReportFigures Figures);

/// <summary>A period's rows.</summary>
public sealed record ReportPeriod(DateOnly From, DateOnly To, IReadOnlyList<ReportRow> Rows);

/// <summary>A report table grouped by <c>group_by</c>; with <c>compare=true</c> the previous period in <c>previous</c>.</summary>
public sealed record ReportTable(string TimeZone, string GroupBy, ReportPeriod Current, ReportPeriod? Previous);

/// <summary>One cell of the heat map: ISO day of week (1 Monday .. 7 Sunday) and hour (0..23) in the project's time zone.</summary>
public sealed record HourCell(int DayOfWeek, int Hour, long Created, long CustomerMessages, long Replies);

/// <summary>A period's heat map (only the cells with something in them).</summary>
public sealed record HoursPeriod(DateOnly From, DateOnly To, IReadOnlyList<HourCell> Cells);

/// <summary>The busiest hours: tickets created and messages per day of week and hour.</summary>
public sealed record HoursReport(string TimeZone, HoursPeriod Current, HoursPeriod? Previous);
