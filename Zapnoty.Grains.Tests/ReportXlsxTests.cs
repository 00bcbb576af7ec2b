using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using Npgsql;
using Zapnoty.Grains.Reports;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// Reports and the ticket export as XLSX (issue 20): files a spreadsheet opens (read back here
/// with the Open XML SDK), with a named sheet, a header row and typed cells; and the export
/// streams, so a large one never sits whole in the silo's memory.
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
        // Tickets per customer close the row, as numbers: customer-x and customer-y opened one each.
        Assert.Equal((2.0, 2.0, 0.0), (overview.Cell(1, "customers").Number, overview.Cell(1, "customers_with_1_ticket").Number,
            overview.Cell(1, "customers_with_6_or_more_tickets").Number));

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

    [Theory]
    [InlineData("csv")]
    [InlineData("xlsx")]
    public async Task A_large_export_streams_while_the_database_is_still_reading_so_the_silo_never_holds_it_whole(string format)
    {
        // Wide rows (subjects of 4,000 hex digits, which compress to about half): 80 MB from the
        // database and some 40 MB of XLSX, more than every socket buffer on the way can hold, so the
        // query can only end once the client has read.
        const int Tickets = 20_000;
        var owner = await cluster.Api().LogInAs();
        var p = await owner.CreateProject();
        await using (var connection = await cluster.Database.OpenConnectionAsync())
        {
            var customer = Guid.NewGuid();
            await using (var customerRow = new NpgsqlCommand(
                "INSERT INTO customers (id, project_id, channel, external_id, name, created_at) VALUES ($1, $2, 'api', 'bulk', 'Bulk', now())", connection))
            {
                customerRow.Parameters.Add(new() { Value = customer });
                customerRow.Parameters.Add(new() { Value = p });
                await customerRow.ExecuteNonQueryAsync();
            }
            await using var command = new NpgsqlCommand("""
                INSERT INTO tickets (id, project_id, number, subject, status, priority, channel, customer_id, created_at, updated_at)
                SELECT gen_random_uuid(), $2, i, (SELECT string_agg(md5(i || '-' || k), '') FROM generate_series(1, 125) k), 'new', 'normal', 'api', $1,
                       timestamptz '2026-01-10 00:00:00Z' + i * interval '1 second', timestamptz '2026-01-10 00:00:00Z' + i * interval '1 second'
                  FROM generate_series(1, $3) i
                """, connection) { CommandTimeout = 300 };
            command.Parameters.Add(new() { Value = customer });
            command.Parameters.Add(new() { Value = p });
            command.Parameters.Add(new() { Value = Tickets });
            await command.ExecuteNonQueryAsync();
        }

        // A client with a small receive window that reads the first bytes, then stops reading.
        using var slow = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveBufferSize = 4096 };
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
        }) { BaseAddress = cluster.Silos[0].BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/projects/{p}/helpdesk/tickets/export?from=2026-01-10&to=2026-01-10&format={format}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", owner.Token);
        using var response = await slow.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var body = await response.Content.ReadAsStreamAsync();
        var head = new byte[4];
        await body.ReadExactlyAsync(head);

        // The first bytes are here, and seconds later the export's query is still running: the
        // silo sends as it reads (it waits for this client), so it never holds every row at once.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.True(await ExportQueryRunning(), "the export's query finished before the client read past the first bytes");

        var rest = new MemoryStream();
        rest.Write(head);
        await body.CopyToAsync(rest);
        var bytes = rest.ToArray();
        if (format == "csv")
        {
            var lines = System.Text.Encoding.UTF8.GetString(bytes).TrimEnd().Split("\r\n");
            Assert.Equal(Tickets + 1, lines.Length);
            Assert.StartsWith($"{Tickets},", lines[^1]);
        }
        else
        {
            Assert.Equal("PK"u8.ToArray(), head[..2]);
            var (rows, last) = Sheet.CountRows(bytes);
            Assert.Equal(Tickets + 1, rows);
            Assert.Equal(Tickets.ToString(CultureInfo.InvariantCulture), last);
        }
    }

    // The export's query by the start of its select list: pg_stat_activity keeps only a query's first 1 KB.
    private async Task<bool> ExportQueryRunning()
    {
        await using var command = cluster.Database.CreateCommand("""
            SELECT count(*) FROM pg_stat_activity
             WHERE state = 'active' AND pid <> pg_backend_pid() AND query LIKE '%SELECT t.number::text, t.id::text, to_char(t.created_at%'
            """);
        return (long)(await command.ExecuteScalarAsync())! > 0;
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

        /// <summary>How many rows a (large) sheet has and the first cell of its last row, read as a stream.</summary>
        public static (int Rows, string? LastFirstCell) CountRows(byte[] bytes)
        {
            using var document = SpreadsheetDocument.Open(new MemoryStream(bytes), false);
            var part = document.WorkbookPart!.WorksheetParts.Single();
            using var reader = OpenXmlReader.Create(part);
            var (rows, last) = (0, (string?)null);
            while (reader.Read())
                if (reader.ElementType == typeof(Row) && reader.IsStartElement)
                {
                    rows++;
                    var row = (Row)reader.LoadCurrentElement()!;
                    last = row.Elements<DocumentFormat.OpenXml.Spreadsheet.Cell>().First().CellValue?.Text;
                }
            return (rows, last);
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
