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
}
