using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Zapnoty.Api.Problems;
using Zapnoty.Grains;
using Zapnoty.Grains.Reports;

namespace Zapnoty.Api.Reports;

/// <summary>
/// The query every report takes: <c>from</c> and <c>to</c> (days <c>YYYY-MM-DD</c> in the
/// project's time zone, both included; by default the last 30 days), <c>compare=true</c> for the
/// previous period of the same length beside it, and <c>format=csv</c> or <c>format=xlsx</c> (or the
/// <c>Accept</c> header's <c>text/csv</c> or XLSX media type).
/// </summary>
public sealed record ReportQuery(
    [FromQuery(Name = "from")] string? From,
    [FromQuery(Name = "to")] string? To,
    [FromQuery(Name = "compare")] bool? Compare,
    [FromQuery(Name = "format")] string? Format)
{
    /// <summary>The range asked for: 400 for a day that is not YYYY-MM-DD or a range that ends before it starts, 422 beyond three years.</summary>
    public ReportRange Range(DateTimeOffset now)
    {
        var validation = new Validation();
        var to = Day(To, "to", validation) ?? DateOnly.FromDateTime(now.UtcDateTime);
        var from = Day(From, "from", validation) ?? to.AddDays(-29);
        if (from > to) validation.Add("from", "The field from must not be after to.");
        if (Format is not null && Format is not "csv" and not "json" and not "xlsx") validation.Add("format", "The field format must be csv, xlsx or json.");
        validation.ThrowIfAny();
        var range = new ReportRange(from, to);
        if (range.Days > ReportRange.MaxDays)
            throw new DomainException(DomainErrorKind.Unprocessable, $"The range from {range.From:yyyy-MM-dd} to {range.To:yyyy-MM-dd} covers {range.Days} days; a report covers at most {ReportRange.MaxDays}.", "from");
        if (range.Previous.From.Year < 1900)
            throw new DomainException(DomainErrorKind.Unprocessable, "The range from must leave room for the previous period after 1900.", "from");
        return range;
    }

    /// <summary>Whether the answer is CSV: <c>format=csv</c>, or <c>Accept: text/csv</c> without a format.</summary>
    public bool WantsCsv(HttpRequest request) => Format == "csv" || Format is null && Accepts(request, "text/csv");

    /// <summary>Whether the answer is XLSX: <c>format=xlsx</c>, or the XLSX media type in <c>Accept</c> without a format.</summary>
    public bool WantsXlsx(HttpRequest request) => Format == "xlsx" || Format is null && Accepts(request, ReportXlsx.ContentType);

    private static bool Accepts(HttpRequest request, string mediaType) =>
        request.Headers.Accept.Any(a => a?.Contains(mediaType, StringComparison.OrdinalIgnoreCase) == true);

    private static DateOnly? Day(string? value, string field, Validation validation)
    {
        if (string.IsNullOrEmpty(value)) return null;
        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) && day.Year >= 1900)
            return day;
        validation.Add(field, $"The field {field} must be a day as YYYY-MM-DD.");
        return null;
    }
}
