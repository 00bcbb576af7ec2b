using System.Globalization;
using CsvHelper;
using Zapnoty.Grains.Reports;

namespace Zapnoty.Api.Reports;

/// <summary>
/// Report tables as CSV (RFC 4180). A cell a spreadsheet would take for a formula (=, +, -, @
/// first) is escaped, since names and subjects come from customers and agents.
/// </summary>
public static class ReportCsv
{
    public static readonly CsvWriterOptions Options = new() { Injection = CsvInjection.Escape, FormatProvider = CultureInfo.InvariantCulture };

    /// <summary>The columns of a table's figures (CSV and XLSX alike), in the order of <see cref="FigureValues"/>.</summary>
    internal static readonly string[] FigureColumns =
    [
        "created", "closed", "reopened", "replies", "notes", "customer_messages", "assigned", "credits_spent", "replies_per_ticket",
        "first_response_count", "first_response_average_seconds", "first_response_median_seconds", "first_response_p90_seconds",
        "resolution_count", "resolution_average_seconds", "resolution_median_seconds", "resolution_p90_seconds",
        "first_reply_sla_met", "first_reply_sla_breached", "resolution_sla_met", "resolution_sla_breached",
        "first_response_business_count", "first_response_business_average_seconds", "first_response_business_median_seconds",
        "first_response_business_p90_seconds", "resolution_business_count", "resolution_business_average_seconds",
        "resolution_business_median_seconds", "resolution_business_p90_seconds",
        "csat_requested", "csat_answered", "csat_response_rate", "csat_received", "csat_average_score",
        "csat_1", "csat_2", "csat_3", "csat_4", "csat_5", "csat_comments",
    ];

    /// <summary>A row's figures: numbers, or null where there is none (no duration measured, no ticket created).</summary>
    internal static object?[] FigureValues(ReportFigures f) =>
    [
        f.Created, f.Closed, f.Reopened, f.Replies, f.Notes, f.CustomerMessages, f.Assigned, f.CreditsSpent, f.RepliesPerTicket,
        f.FirstResponse.Count, f.FirstResponse.AverageSeconds, f.FirstResponse.MedianSeconds, f.FirstResponse.P90Seconds,
        f.Resolution.Count, f.Resolution.AverageSeconds, f.Resolution.MedianSeconds, f.Resolution.P90Seconds,
        f.FirstReplySla.Met, f.FirstReplySla.Breached, f.ResolutionSla.Met, f.ResolutionSla.Breached,
        f.FirstResponseBusiness.Count, f.FirstResponseBusiness.AverageSeconds, f.FirstResponseBusiness.MedianSeconds,
        f.FirstResponseBusiness.P90Seconds, f.ResolutionBusiness.Count, f.ResolutionBusiness.AverageSeconds,
        f.ResolutionBusiness.MedianSeconds, f.ResolutionBusiness.P90Seconds,
        f.Csat.Requested, f.Csat.Answered, f.Csat.ResponseRate, f.Csat.Received, f.Csat.AverageScore,
        f.Csat.Of(1), f.Csat.Of(2), f.Csat.Of(3), f.Csat.Of(4), f.Csat.Of(5), f.Csat.Comments,
    ];

    /// <summary>
    /// The overview's columns of tickets per customer after its figures (CSV and XLSX alike): the
    /// distribution; the top customers are in the JSON only (a list does not fit one row).
    /// </summary>
    internal static readonly string[] CustomerColumns =
        ["customers", "customers_with_1_ticket", "customers_with_2_tickets", "customers_with_3_to_5_tickets", "customers_with_6_or_more_tickets"];

    internal static object?[] CustomerValues(CustomerFigures c) => [c.Customers, c.OneTicket, c.TwoTickets, c.ThreeToFiveTickets, c.SixOrMoreTickets];

    /// <summary>The header of the hours table (CSV and XLSX alike).</summary>
    internal static readonly string[] HourColumns = ["period", "day_of_week", "hour", "created", "customer_messages", "replies"];

    public static string Table(string keyColumn, IEnumerable<(string Period, ReportRow Row)> rows) =>
        Table(keyColumn, rows.Select(r => (r.Period, r.Row, Array.Empty<object?>())), []);

    /// <summary>A table whose rows carry <paramref name="moreColumns"/> after the figures (the overview's tickets per customer).</summary>
    public static string Table(string keyColumn, IEnumerable<(string Period, ReportRow Row, object?[] More)> rows, IReadOnlyList<string> moreColumns)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = CsvWriter.Create(text, Options, leaveOpen: true))
        {
            foreach (var column in new[] { "period", keyColumn, "name" }.Concat(FigureColumns).Concat(moreColumns)) csv.WriteField(column);
            csv.EndRecord();
            foreach (var (period, row, more) in rows)
            {
                csv.WriteField(period);
                csv.WriteField(row.Key);
                csv.WriteField(row.Name);
                foreach (var value in FigureValues(row.Figures).Concat(more))
                    csv.WriteField(value is IFormattable formattable ? formattable.ToString(null, CultureInfo.InvariantCulture) : value?.ToString());
                csv.EndRecord();
            }
        }
        return text.ToString();
    }

    public static string Hours(IEnumerable<(string Period, HourCell Cell)> cells)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = CsvWriter.Create(text, Options, leaveOpen: true))
        {
            foreach (var column in HourColumns) csv.WriteField(column);
            csv.EndRecord();
            foreach (var (period, c) in cells)
            {
                csv.WriteField(period);
                foreach (var value in new long[] { c.DayOfWeek, c.Hour, c.Created, c.CustomerMessages, c.Replies })
                    csv.WriteField(value.ToString(CultureInfo.InvariantCulture));
                csv.EndRecord();
            }
        }
        return text.ToString();
    }
}
