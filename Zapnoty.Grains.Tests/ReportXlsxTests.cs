using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using Zapnoty.Grains.Reports;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// Reports and the ticket export as XLSX (issue 20): files a spreadsheet opens (read back here
/// with the Open XML SDK), with a named sheet, a header row and typed cells.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ReportXlsxTests(ClusterFixture cluster)
{
    private const string Xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    [Fact]
    public async Task Reports_and_the_export_answer_xlsx_with_a_named_sheet_a_header_and_numbers_and_dates_as_typed_cells()
    {
        var owner = await cluster.Api().LogInAs();
        var p = await owner.CreateProject();
        var first = (await owner.CreateTicket(p, "=1+2", "customer-x")).GetProperty("id").GetGuid();
        await owner.CreateTicket(p, "Where is my order", "customer-y");
        await owner.Post($"/v1/helpdesk/tickets/{first}/replies", new { text = "on it" });
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var range = $"from={today.AddDays(-1):yyyy-MM-dd}&to={today.AddDays(1):yyyy-MM-dd}";

        using var overviewResponse = await owner.Send(HttpMethod.Get, $"/v1/projects/{p}/reports/overview?{range}&format=xlsx");
        Assert.Equal(HttpStatusCode.OK, overviewResponse.StatusCode);
        Assert.Equal(Xlsx, overviewResponse.Content.Headers.ContentType?.MediaType);
        Assert.Equal("overview.xlsx", overviewResponse.Content.Headers.ContentDisposition?.FileNameStar ?? overviewResponse.Content.Headers.ContentDisposition?.FileName);
        var overview = Sheet.Read(await overviewResponse.Content.ReadAsByteArrayAsync());
        Assert.Equal("overview", overview.Name);
        Assert.Equal(["period", "range", "name", "created", "closed"], overview.Rows[0].Take(5).Select(c => c.Text));
        Assert.Equal("current", overview.Cell(1, "period").Text);
        Assert.Equal(2.0, overview.Cell(1, "created").Number);
        Assert.Equal(1.0, overview.Cell(1, "replies").Number);
        Assert.Equal(0.5, overview.Cell(1, "replies_per_ticket").Number);
        Assert.Equal(1.0, overview.Cell(1, "first_response_count").Number);
        Assert.Null(overview.Cell(1, "resolution_average_seconds").Text);   // nothing resolved: an empty cell, not a zero

        // By Accept header; a day's key is a date cell.
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/projects/{p}/reports/volume?{range}&group_by=day");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", owner.Token);
        request.Headers.Accept.ParseAdd(Xlsx);
        using var daysResponse = await owner.Http.SendAsync(request);
        Assert.Equal(Xlsx, daysResponse.Content.Headers.ContentType?.MediaType);
        var days = Sheet.Read(await daysResponse.Content.ReadAsByteArrayAsync());
        Assert.Equal("volume-by-day", days.Name);
        Assert.Equal(today.ToDateTime(TimeOnly.MinValue), days.Cell(1, "day").Date);
        Assert.Equal(2.0, days.Cell(1, "created").Number);

        var hours = Sheet.Read(await Bytes(owner, $"/v1/projects/{p}/reports/hours?{range}&format=xlsx"));
        Assert.Equal("hours", hours.Name);
        Assert.Equal(["period", "day_of_week", "hour", "created"], hours.Rows[0].Take(4).Select(c => c.Text));
        Assert.All(hours.Rows.Skip(1), r => Assert.InRange(r[2].Number ?? -1, 0, 23));
        Assert.Equal(2.0, hours.Rows.Skip(1).Sum(r => r[3].Number ?? 0));

        var export = Sheet.Read(await Bytes(owner, $"/v1/projects/{p}/helpdesk/tickets/export?{range}&format=xlsx"));
        Assert.Equal("tickets", export.Name);
        Assert.Equal(TicketExport.Columns, export.Rows[0].Select(c => c.Text));
        Assert.Equal(3, export.Rows.Count);
        Assert.Equal(1.0, export.Cell(1, "number").Number);
        Assert.Equal("=1+2", export.Cell(1, "subject").Text);   // text, never a formula
        Assert.False(export.Cell(1, "subject").IsFormula);
        Assert.Equal("api", export.Cell(1, "channel").Text);
        Assert.InRange(export.Cell(1, "created_at").Date!.Value, DateTime.UtcNow.AddMinutes(-5), DateTime.UtcNow.AddMinutes(1));
        Assert.NotNull(export.Cell(1, "first_reply_at").Date);
        Assert.Null(export.Cell(2, "first_reply_at").Text);
        Assert.Null(export.Cell(2, "closed_at").Text);
        Assert.Equal(2.0, export.Cell(2, "number").Number);
    }

    private static async Task<byte[]> Bytes(ApiClient client, string path)
    {
        using var response = await client.Send(HttpMethod.Get, path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Xlsx, response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsByteArrayAsync();
    }

    /// <summary>A cell read back: its text, its number, its date when its format is a date's, whether it is a formula.</summary>
    private sealed record SheetCell(string? Text, double? Number, DateTime? Date, bool IsFormula);

    /// <summary>The one sheet of a workbook, as rows of cells placed by their column.</summary>
    private sealed record Sheet(string Name, List<SheetCell[]> Rows)
    {
        public SheetCell Cell(int row, string column) => Rows[row][Array.FindIndex(Rows[0], c => c.Text == column)];

        public static Sheet Read(byte[] bytes)
        {
            using var document = SpreadsheetDocument.Open(new MemoryStream(bytes), false);
            var workbook = document.WorkbookPart!;
            var sheet = Assert.Single(workbook.Workbook.Sheets!.Elements<DocumentFormat.OpenXml.Spreadsheet.Sheet>());
            var part = (WorksheetPart)workbook.GetPartById(sheet.Id!);
            var styles = workbook.WorkbookStylesPart?.Stylesheet;
            var header = 0;   // rows shorter than the header (empty cells at the end) are padded to it
            var rows = part.Worksheet.Descendants<Row>().Select(row =>
            {
                var cells = row.Elements<DocumentFormat.OpenXml.Spreadsheet.Cell>().ToList();
                var width = cells.Count == 0 ? 0 : cells.Select((c, i) => Column(c, i)).Max() + 1;
                var read = Enumerable.Repeat(new SheetCell(null, null, null, false), Math.Max(width, header)).ToArray();
                for (var i = 0; i < cells.Count; i++) read[Column(cells[i], i)] = Typed(cells[i], styles);
                header = Math.Max(header, width);
                return read;
            }).ToList();
            return new Sheet(sheet.Name!.Value!, rows);
        }

        // A cell without a reference (r) stands right after the one before it.
        private static int Column(DocumentFormat.OpenXml.Spreadsheet.Cell cell, int position)
        {
            var reference = cell.CellReference?.Value;
            if (reference is null) return position;
            var column = 0;
            foreach (var ch in reference.TakeWhile(char.IsLetter)) column = column * 26 + (ch - 'A' + 1);
            return column - 1;
        }

        private static SheetCell Typed(DocumentFormat.OpenXml.Spreadsheet.Cell cell, Stylesheet? styles)
        {
            var type = cell.DataType?.Value;
            var formula = cell.CellFormula is not null;
            if (type == CellValues.InlineString) return new SheetCell(cell.InlineString?.InnerText, null, null, formula);
            if (type == CellValues.String || type == CellValues.SharedString) return new SheetCell(cell.CellValue?.Text, null, null, formula);
            var text = cell.CellValue?.Text;
            if (string.IsNullOrEmpty(text)) return new SheetCell(null, null, null, formula);
            var number = double.Parse(text, CultureInfo.InvariantCulture);
            var format = FormatCode(cell.StyleIndex?.Value, styles);
            var date = format is not null && format.Contains("yy", StringComparison.OrdinalIgnoreCase) ? DateTime.FromOADate(number) : (DateTime?)null;
            return new SheetCell(text, number, date, formula);
        }

        private static string? FormatCode(uint? styleIndex, Stylesheet? styles)
        {
            if (styleIndex is null || styles?.CellFormats is null) return null;
            var numberFormatId = styles.CellFormats.Elements<CellFormat>().ElementAt((int)styleIndex.Value).NumberFormatId?.Value;
            return styles.NumberingFormats?.Elements<NumberingFormat>().FirstOrDefault(f => f.NumberFormatId?.Value == numberFormatId)?.FormatCode?.Value;
        }
    }
}
