using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Zapnoty.Grains.Reports;
using Zapnoty.Grains.Storage;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// Reports over long ranges read whole UTC months (report_months, migration 0039), the UTC days
/// around them and the hours at the range's local ends; series by local day read each day's UTC
/// day row corrected by the hours where the two differ. Every figure must be what the hours alone
/// give: the recount of the raw rows, summed per local key here, in C#.
/// </summary>
public sealed class ReportMonthsTests
{
    private const string Zone = "Europe/Berlin";

    // 17 January to 12 May 2024 in Berlin: [16 Jan 23:00, 12 May 22:00) UTC, whole UTC months February
    // to April inside, summer time from 31 March 01:00 UTC.
    private static readonly ReportRange Range = new(new DateOnly(2024, 1, 17), new DateOnly(2024, 5, 12));

    // Blocks of generated tickets, one a minute from 2024-01-01 00:00 UTC + the block's offset in
    // minutes: across the range's two local ends, the UTC month starts, the change to summer time.
    private static readonly int[] FoldedBlocks = [20_000, 22_000, 30_000, 44_000, 60_000, 86_000, 100_000, 129_000, 130_600, 150_000, 173_600, 185_000, 190_600];
    private static readonly int[] UnfoldedBlocks = [23_000, 45_000, 131_600, 191_800];

    [Fact]
    public async Task Whole_months_with_ragged_ends_across_a_dst_change_give_every_figure_the_hours_give_folded_or_not()
    {
        await using var db = NpgsqlDataSource.Create(await TestDatabase.Create("reportmonths"));
        await new DatabaseMigrator(db, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        var project = Guid.NewGuid();
        await SqlScript.Execute(db, $$"""
            INSERT INTO projects (id, name, slug, created_at, updated_at) VALUES ($1, 'Berlin', 'berlin-' || $1, now(), now());
            INSERT INTO project_calendars (project_id, calendar, updated_at) VALUES ($1, '{"time_zone": "{{Zone}}"}', now());
            """, project);
        foreach (var offset in FoldedBlocks) await ScaleData.Load(db, [project], 1_000, offset, offset, rareNumber: 0);
        var store = new ReportStore(db);
        await store.Fold(project, CancellationToken.None);
        foreach (var offset in UnfoldedBlocks) await ScaleData.Load(db, [project], 100, offset, offset, rareNumber: 0);
        var unfolded = await Unfolded(db, project);
        Assert.True(unfolded is > 0 and <= ReportStore.FoldAfterRows, $"the last blocks must stay unfolded for the read ({unfolded} rows)");
        Assert.True(await Count(db, "SELECT count(*) FROM report_months WHERE project_id = $1", project) > 0);

        var hours = await HourRows(db, project);
        foreach (var grouping in new[] { ReportGrouping.Total, ReportGrouping.Day, ReportGrouping.Week, ReportGrouping.Hour,
                     ReportGrouping.Channel, ReportGrouping.Priority, ReportGrouping.Agent })
        {
            var read = await store.Read(project, Range, grouping, CancellationToken.None);
            Assert.Equal(Zone, read.TimeZone);
            Assert.Equal(Expected(hours, grouping), Json(read.Groups.Select(g => (g.Key, g.Figures))));
        }
        var days = await store.Read(project, Range, ReportGrouping.Day, CancellationToken.None);
        Assert.Contains(days.Groups, g => g.Key == "2024-03-31" && g.Figures.Created > 0);   // the 23-hour day
        await ReportRecount.AssertRollupsEqualRecount(db, project);
    }

    [Fact]
    public async Task The_months_migration_fills_the_months_of_days_already_folded_and_running_it_again_changes_nothing()
    {
        await using var db = NpgsqlDataSource.Create(await TestDatabase.Create("reportmonthsmigration"));
        var migrations = DatabaseMigrator.EmbeddedMigrations();
        var months = migrations.Single(m => m.Version.StartsWith("0039_", StringComparison.Ordinal));
        await new DatabaseMigrator(db, NullLogger<DatabaseMigrator>.Instance,
            migrations: migrations.Where(m => string.CompareOrdinal(m.Version, months.Version) < 0).ToList()).MigrateAsync(CancellationToken.None);
        var project = Guid.NewGuid();
        await SqlScript.Execute(db, "INSERT INTO projects (id, name, slug, created_at, updated_at) VALUES ($1, 'Old', 'old-' || $1, now(), now())", project);
        foreach (var offset in new[] { 40_000, 44_000 }) await ScaleData.Load(db, [project], 1_000, offset, offset, rareNumber: 0);
        await new ReportStore(db).Fold(project, CancellationToken.None);

        await new DatabaseMigrator(db, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        var rows = await Count(db, "SELECT count(*) FROM report_months WHERE project_id = $1", project);
        Assert.True(rows > 0);
        await ReportRecount.AssertDaysEqualFoldedHours(db, project);

        await using (var connection = await db.OpenConnectionAsync())
            foreach (var statement in DatabaseMigrator.Migration.Statements(months.Sql))
            {
                await using var again = new NpgsqlCommand(statement, connection);
                await again.ExecuteNonQueryAsync();
            }
        Assert.Equal(rows, await Count(db, "SELECT count(*) FROM report_months WHERE project_id = $1", project));
        await ReportRecount.AssertDaysEqualFoldedHours(db, project);
    }

    private sealed record HourRow(DateTimeOffset Hour, string Metric, string Dim, string Value, short Bucket, long N, long Seconds);

    private static async Task<List<HourRow>> HourRows(NpgsqlDataSource db, Guid project)
    {
        var rows = new List<HourRow>();
        await using var command = db.CreateCommand("SELECT hour, metric, dim, value, bucket, n, seconds FROM report_recount($1)");
        command.Parameters.Add(new NpgsqlParameter { Value = project });
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            rows.Add(new HourRow(reader.GetFieldValue<DateTimeOffset>(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetInt16(4), reader.GetInt64(5), reader.GetInt64(6)));
        return rows;
    }

    /// <summary>The figures per key from the hours alone, assembled in the zone as a report's days are.</summary>
    private static string Expected(List<HourRow> hours, ReportGrouping grouping)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(Zone);
        var dim = ReportStore.Shape(grouping).Dim;
        string[] heatMap = [ReportMetrics.Created, ReportMetrics.CustomerMessage, ReportMetrics.Reply];
        return Json(hours
            .Select(h => (Row: h, Local: TimeZoneInfo.ConvertTime(h.Hour, zone).DateTime))
            .Where(h => h.Row.Dim == dim && DateOnly.FromDateTime(h.Local) >= Range.From && DateOnly.FromDateTime(h.Local) <= Range.To)
            .Where(h => grouping != ReportGrouping.Hour || heatMap.Contains(h.Row.Metric))
            .GroupBy(h => grouping switch
            {
                ReportGrouping.Total => "",
                ReportGrouping.Day => h.Local.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                ReportGrouping.Week => h.Local.Date.AddDays(-(((int)h.Local.DayOfWeek + 6) % 7)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                ReportGrouping.Hour => $"{((int)h.Local.DayOfWeek + 6) % 7 + 1}:{h.Local.Hour}",
                _ => h.Row.Value,
            })
            .Select(g => (g.Key, Figures: ReportFigures.From([.. g.Select(h => new RollupSum(h.Row.Metric, h.Row.Bucket, h.Row.N, h.Row.Seconds))])))
            .Where(g => g.Figures.HasAny()));
    }

    private static string Json(IEnumerable<(string Key, ReportFigures Figures)> groups) =>
        string.Join("\n", groups.OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {JsonSerializer.Serialize(g.Figures)}"));

    private static Task<long> Unfolded(NpgsqlDataSource db, Guid project) =>
        Count(db, "SELECT count(*) FROM report_rollups WHERE project_id = $1 AND NOT folded", project);

    private static async Task<long> Count(NpgsqlDataSource db, string sql, Guid project)
    {
        await using var command = db.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = project });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
