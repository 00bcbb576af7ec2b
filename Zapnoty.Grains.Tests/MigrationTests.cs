using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Zapnoty.Grains.Storage;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

public sealed class MigrationTests
{
    [Fact]
    public async Task Silos_starting_together_apply_every_migration_exactly_once()
    {
        await using var db = NpgsqlDataSource.Create(await TestDatabase.Create("migrate"));

        // Four "silos" at once: the advisory lock makes them take turns.
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
            new DatabaseMigrator(db, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None)));
        // And a restart later finds nothing to do.
        await new DatabaseMigrator(db, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);

        var applied = new List<string>();
        await using (var command = db.CreateCommand("SELECT version FROM schema_migrations ORDER BY version"))
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync()) applied.Add(reader.GetString(0));
        Assert.Equal(DatabaseMigrator.EmbeddedMigrations().Select(m => m.Version), applied);
        Assert.Contains("0005_helpdesk", applied);
    }

    [Fact]
    public async Task The_orleans_stored_queries_every_provider_requires_are_present()
    {
        await using var db = NpgsqlDataSource.Create(await TestDatabase.Create("queries"));
        await new DatabaseMigrator(db, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);

        var keys = new HashSet<string>();
        await using (var command = db.CreateCommand("SELECT querykey FROM orleansquery"))
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync()) keys.Add(reader.GetString(0));

        string[] required =
        [
            "UpdateIAmAlivetimeKey", "InsertMembershipVersionKey", "InsertMembershipKey", "UpdateMembershipKey",
            "MembershipReadRowKey", "MembershipReadAllKey", "DeleteMembershipTableEntriesKey", "GatewaysQueryKey",
            "CleanupDefunctSiloEntriesKey",
            "WriteToStorageKey", "ReadFromStorageKey", "ClearStorageKey", "DeleteStorageKey",
            "UpsertReminderRowKey", "ReadReminderRowsKey", "ReadReminderRowKey", "ReadRangeRows1Key",
            "ReadRangeRows2Key", "DeleteReminderRowKey", "DeleteReminderRowsKey",
        ];
        Assert.Empty(required.Except(keys));
    }

    [Fact]
    public async Task A_migration_longer_than_the_connections_command_timeout_is_applied_not_abandoned()
    {
        // A backfill over a big desk's tickets runs for minutes; the connection's timeout (1 s here, 30 s by
        // default) bounds requests, not migrations. Both kinds: in a transaction and statement by statement.
        var builder = new NpgsqlConnectionStringBuilder(await TestDatabase.Create("slowmigrate")) { CommandTimeout = 1 };
        await using var db = NpgsqlDataSource.Create(builder.ConnectionString);
        DatabaseMigrator.Migration[] slow =
        [
            DatabaseMigrator.Migration.From("9001_slow_backfill", "SELECT pg_sleep(1.5); CREATE TABLE slow_backfill (id int);"),
            DatabaseMigrator.Migration.From("9002_slow_index", "-- no-transaction: an index built concurrently\nSELECT pg_sleep(1.5);\nCREATE INDEX CONCURRENTLY IF NOT EXISTS slow_backfill_id ON slow_backfill (id);"),
        ];

        await new DatabaseMigrator(db, NullLogger<DatabaseMigrator>.Instance, migrations: slow).MigrateAsync(CancellationToken.None);

        await using var command = db.CreateCommand("SELECT string_agg(version, ',' ORDER BY version) FROM schema_migrations");
        Assert.Equal("9001_slow_backfill,9002_slow_index", await command.ExecuteScalarAsync());
        await using var index = db.CreateCommand("SELECT count(*) FROM pg_indexes WHERE indexname = 'slow_backfill_id'");
        Assert.Equal(1L, await index.ExecuteScalarAsync());
    }
}
