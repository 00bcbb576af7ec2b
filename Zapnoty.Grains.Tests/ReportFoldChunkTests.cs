using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Zapnoty.Grains.Reports;
using Zapnoty.Grains.Storage;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// A bulk import (a desk moving from another helpdesk, or the benchmark's SQL load) leaves hundreds of
/// thousands of unfolded rollup rows. Folding them in one statement outlasted the command timeout and
/// rolled back on every read, so the pile never shrank; now a fold moves a chunk per transaction.
/// </summary>
public sealed class ReportFoldChunkTests
{
    private const int Piled = 100_000;

    [Fact]
    public async Task A_report_read_after_a_bulk_import_folds_a_few_chunks_and_shows_every_fact_and_a_full_fold_empties_the_pile()
    {
        await using var db = NpgsqlDataSource.Create(await TestDatabase.Create("reportfold"));
        await new DatabaseMigrator(db, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        var project = Guid.NewGuid();
        await using (var created = db.CreateCommand("INSERT INTO projects (id, name, slug, created_at, updated_at) VALUES ($1, 'import', 'import-' || $1, now(), now())"))
        {
            created.Parameters.Add(new NpgsqlParameter { Value = project });
            await created.ExecuteNonQueryAsync();
        }
        await using (var pile = db.CreateCommand("""
            INSERT INTO report_rollups (project_id, hour, metric, dim, value, bucket, n, seconds)
            SELECT $1, timestamptz '2026-11-01 00:00Z' + (i % 720) * interval '1 hour', 'created', '', '', -1, 1, 0
              FROM generate_series(1, $2) i
            """))
        {
            pile.Parameters.Add(new NpgsqlParameter { Value = project });
            pile.Parameters.Add(new NpgsqlParameter { Value = Piled });
            await pile.ExecuteNonQueryAsync();
        }
        var store = new ReportStore(db);
        var november = new ReportRange(new DateOnly(2026, 11, 1), new DateOnly(2026, 11, 30));

        var first = await store.Read(project, november, ReportGrouping.Total, CancellationToken.None);

        Assert.Equal(Piled, first.Groups.Sum(g => g.Figures.Created));
        Assert.Equal(Piled - 3 * ReportStore.FoldChunkRows, await Unfolded(db, project));

        await store.Fold(project, CancellationToken.None);

        Assert.Equal(0, await Unfolded(db, project));
        Assert.Equal(Piled, (await store.Read(project, november, ReportGrouping.Total, CancellationToken.None)).Groups.Sum(g => g.Figures.Created));
        Assert.Equal(Piled, (await store.Read(project, november, ReportGrouping.Day, CancellationToken.None)).Groups.Sum(g => g.Figures.Created));
        await ReportRecount.AssertDaysEqualFoldedHours(db, project);
        await using var folded = db.CreateCommand("SELECT count(*) FROM report_rollups WHERE project_id = $1 AND folded");
        folded.Parameters.Add(new NpgsqlParameter { Value = project });
        Assert.Equal(720L, (long)(await folded.ExecuteScalarAsync())!);
    }

    private static async Task<long> Unfolded(NpgsqlDataSource db, Guid project)
    {
        await using var command = db.CreateCommand("SELECT count(*) FROM report_rollups WHERE project_id = $1 AND NOT folded");
        command.Parameters.Add(new NpgsqlParameter { Value = project });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
