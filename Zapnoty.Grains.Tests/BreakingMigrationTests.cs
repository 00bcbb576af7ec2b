using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Zapnoty.Grains.Storage;
using Zapnoty.Grains.Tests.Infrastructure;
using Migration = Zapnoty.Grains.Storage.DatabaseMigrator.Migration;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// The guard on migrations that are not backward compatible (docs/OPERATIONS.md, "Rolling
/// upgrade"): a database migrated to the current version, a silo of that version listed in
/// Orleans' membership table as its silos write themselves, and one test-only migration on top.
/// scripts/upgrade-check.sh proves the same refusal against a real running silo.
/// </summary>
public sealed class BreakingMigrationTests
{
    private const string Breaking = "0999_breaking_probe";

    private static readonly Migration BreakingProbe = Migration.From(Breaking, """
        -- A test-only migration that an older silo could not live with.
        -- breaking: drops the column old silos still write
        CREATE TABLE breaking_probe (id int);
        """);

    private static readonly Migration AdditiveProbe = Migration.From("0999_additive_probe", """
        -- A test-only migration an older silo ignores. The words "-- breaking:" below the header do not count.
        CREATE TABLE additive_probe (id int);
        -- breaking: not a header line, so not a marker
        """);

    [Fact]
    public async Task A_breaking_migration_is_refused_while_a_silo_of_the_older_version_is_alive()
    {
        await using var db = await MigratedDatabase();
        await ListSilo(db, status: Active, aliveAgo: TimeSpan.FromSeconds(20));

        var refused = await Assert.ThrowsAsync<BreakingMigrationRefusedException>(() => Migrator(db, BreakingProbe).MigrateAsync(CancellationToken.None));

        Assert.Equal(Breaking, refused.Version);
        Assert.Single(refused.Silos);
        Assert.Contains("ConfirmFullStop=" + Breaking, refused.Message, StringComparison.Ordinal);
        Assert.False(await Applied(db, Breaking));
        Assert.False(await TableExists(db, "breaking_probe"));
    }

    [Fact]
    public async Task The_operator_confirming_a_full_stop_for_that_migration_lets_it_through()
    {
        await using var db = await MigratedDatabase();
        await ListSilo(db, status: Active, aliveAgo: TimeSpan.FromSeconds(20));

        // A confirmation of another migration is not one of this one.
        await Assert.ThrowsAsync<BreakingMigrationRefusedException>(() =>
            Migrator(db, BreakingProbe, confirm: "0998_earlier_breaking").MigrateAsync(CancellationToken.None));
        await Migrator(db, BreakingProbe, confirm: $"0998_earlier_breaking, {Breaking}").MigrateAsync(CancellationToken.None);

        Assert.True(await Applied(db, Breaking));
        Assert.True(await TableExists(db, "breaking_probe"));
    }

    [Fact]
    public async Task A_breaking_migration_applies_when_every_listed_silo_is_dead_or_long_silent()
    {
        await using var db = await MigratedDatabase();
        await ListSilo(db, status: Dead, aliveAgo: TimeSpan.FromSeconds(20));
        await ListSilo(db, status: Active, aliveAgo: TimeSpan.FromHours(1)); // crashed with the whole cluster an hour ago

        await Migrator(db, BreakingProbe).MigrateAsync(CancellationToken.None);

        Assert.True(await Applied(db, Breaking));
    }

    [Fact]
    public async Task A_backward_compatible_migration_applies_while_older_silos_serve()
    {
        await using var db = await MigratedDatabase();
        await ListSilo(db, status: Active, aliveAgo: TimeSpan.FromSeconds(20));

        await Migrator(db, AdditiveProbe).MigrateAsync(CancellationToken.None);

        Assert.Null(AdditiveProbe.Breaking);
        Assert.Equal("drops the column old silos still write", BreakingProbe.Breaking);
        Assert.True(await TableExists(db, "additive_probe"));
    }

    [Fact]
    public void Every_migration_shipped_so_far_is_backward_compatible() =>
        // A breaking one is allowed, but must be a decision: this test then names it.
        Assert.Empty(DatabaseMigrator.EmbeddedMigrations().Where(m => m.Breaking is not null).Select(m => m.Version));

    private const int Active = 3;
    private const int Dead = 6;

    private static async Task<NpgsqlDataSource> MigratedDatabase()
    {
        var db = NpgsqlDataSource.Create(await TestDatabase.Create("guard"));
        await new DatabaseMigrator(db, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        return db;
    }

    private static DatabaseMigrator Migrator(NpgsqlDataSource db, Migration extra, string confirm = "") =>
        new(db, NullLogger<DatabaseMigrator>.Instance, Options.Create(new MigrationOptions { ConfirmFullStop = confirm }),
            [.. DatabaseMigrator.EmbeddedMigrations(), extra]);

    /// <summary>A membership row as Orleans' InsertMembershipKey writes it for a silo of another process.</summary>
    private static async Task ListSilo(NpgsqlDataSource db, int status, TimeSpan aliveAgo)
    {
        await using (var version = db.CreateCommand("INSERT INTO orleansmembershipversiontable (deploymentid) VALUES ('older') ON CONFLICT DO NOTHING"))
            await version.ExecuteNonQueryAsync();
        await using var command = db.CreateCommand("""
            INSERT INTO orleansmembershiptable (deploymentid, address, port, generation, siloname, hostname, status, starttime, iamalivetime)
            VALUES ('older', '127.0.0.1', 11111 + (SELECT count(*) FROM orleansmembershiptable)::int, 1, 'old-silo', 'old-host', $1,
                    now() - $2 - interval '1 minute', now() - $2)
            """);
        command.Parameters.AddWithValue(status);
        command.Parameters.AddWithValue(aliveAgo);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<bool> Applied(NpgsqlDataSource db, string version)
    {
        await using var command = db.CreateCommand("SELECT count(*) FROM schema_migrations WHERE version = $1");
        command.Parameters.AddWithValue(version);
        return (long)(await command.ExecuteScalarAsync())! == 1;
    }

    private static async Task<bool> TableExists(NpgsqlDataSource db, string table)
    {
        await using var command = db.CreateCommand("SELECT to_regclass($1) IS NOT NULL");
        command.Parameters.AddWithValue(table);
        return (bool)(await command.ExecuteScalarAsync())!;
    }
}
