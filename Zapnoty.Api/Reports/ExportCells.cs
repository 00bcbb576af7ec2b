using System.Globalization;
using Zapnoty.Grains.Reports;

namespace Zapnoty.Api.Reports;

/// <summary>
/// The ticket export's fields typed for a spreadsheet: the ticket number, durations in seconds and
/// the CSAT score numbers, the times
/// (the columns ending in <c>_at</c>, written as UTC by the export's query) dates; the rest text.
/// </summary>
internal static class ExportCells
{
    private static readonly bool[] IsTime = TicketExport.Columns.Select(c => c.EndsWith("_at", StringComparison.Ordinal)).ToArray();
    private static readonly bool[] IsNumber = TicketExport.Columns
        .Select(c => c is "number" or "csat_score" || c.EndsWith("_seconds", StringComparison.Ordinal)).ToArray();

    public static object?[] Typed(string?[] row)
    {
        var cells = new object?[row.Length];
        for (var i = 0; i < row.Length; i++)
            cells[i] = row[i] switch
            {
                null => null,
                var v when IsNumber[i] => long.Parse(v, CultureInfo.InvariantCulture),
                var v when IsTime[i] => DateTime.Parse(v, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
                var v => v,
            };
        return cells;
    }
}
