using SpreadCheetah;
using SpreadCheetah.Styling;

namespace Zapnoty.Api.Reports;

/// <summary>
/// One sheet of XLSX written row by row to a stream with SpreadCheetah: each row goes into a small
/// buffer that is compressed and flushed to the response as it fills, so memory stays flat however
/// many rows there are. Cells are typed: numbers as numbers, days and times as dates (a string
/// cell is never a formula, so a subject such as <c>=1+2</c> stays text and needs no escaping).
/// </summary>
public sealed class ReportXlsx : IAsyncDisposable
{
    public const string ContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    private readonly AsyncWriteStream body;
    private readonly Spreadsheet spreadsheet;
    private readonly StyleId day;
    private readonly StyleId time;
    private readonly Cell[] row;

    private ReportXlsx(AsyncWriteStream body, Spreadsheet spreadsheet, int width)
    {
        this.body = body;
        this.spreadsheet = spreadsheet;
        day = spreadsheet.AddStyle(new Style { Format = NumberFormat.Custom("yyyy-mm-dd") });
        time = spreadsheet.AddStyle(new Style { Format = NumberFormat.Custom("yyyy-mm-dd hh:mm:ss") });
        row = new Cell[width];
    }

    /// <summary>Starts a workbook of one sheet named <paramref name="sheet"/> whose first row is <paramref name="header"/>.</summary>
    public static async Task<ReportXlsx> Start(Stream body, string sheet, IReadOnlyList<string> header, CancellationToken cancellationToken)
    {
        // The response refuses synchronous writes; the zip writer makes a few small ones.
        var asyncBody = new AsyncWriteStream(body);
        var spreadsheet = await Spreadsheet.CreateNewAsync(asyncBody, null, cancellationToken);
        var xlsx = new ReportXlsx(asyncBody, spreadsheet, header.Count);
        await spreadsheet.StartWorksheetAsync(sheet, null, cancellationToken);
        await xlsx.Add(header, cancellationToken);
        return xlsx;
    }

    /// <summary>
    /// Adds a row: a long, int or double is a number, a <see cref="DateOnly"/> a day, a
    /// <see cref="DateTime"/> a time (UTC), a string text, null an empty cell.
    /// </summary>
    public async Task Add(IReadOnlyList<object?> values, CancellationToken cancellationToken)
    {
        for (var i = 0; i < row.Length; i++) row[i] = i < values.Count ? Typed(values[i]) : default;
        await spreadsheet.AddRowAsync(row, cancellationToken);
    }

    /// <summary>Writes the end of the sheet and of the file.</summary>
    public async Task Finish(CancellationToken cancellationToken)
    {
        await spreadsheet.FinishAsync(cancellationToken);
        await body.FlushAsync(cancellationToken);
    }

    public ValueTask DisposeAsync() => spreadsheet.DisposeAsync();

    private Cell Typed(object? value) => value switch
    {
        null => default,
        long n => new Cell(n),
        int n => new Cell(n),
        double n => new Cell(n),
        DateOnly d => new Cell(d.ToDateTime(TimeOnly.MinValue), day),
        DateTime t => new Cell(t, time),
        string s => new Cell(s),
        _ => new Cell(value.ToString()),
    };
}
