using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Zapnoty.Grains.Storage;

/// <summary>
/// Applies the numbered <c>.sql</c> files embedded in this assembly, in order, each in its own
/// transaction, and records them in <c>schema_migrations</c>. A session-level advisory lock
/// makes silos that start together take turns: the second one finds everything applied.
/// </summary>
public sealed class DatabaseMigrator(NpgsqlDataSource dataSource, ILogger<DatabaseMigrator> log)
{
    // Any constant works as long as nothing else in the database uses it: "zapnoty" in ASCII.
    private const long MigrationLockKey = 0x7A61706E6F7479;
    private const string ResourcePrefix = "Zapnoty.Migrations.";

    public static IReadOnlyList<Migration> EmbeddedMigrations()
    {
        var assembly = typeof(DatabaseMigrator).Assembly;
        return assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(ResourcePrefix, StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
            .Select(name => Migration.Load(assembly, name, name[ResourcePrefix.Length..^".sql".Length]))
            .OrderBy(m => m.Version, StringComparer.Ordinal)
            .ToList();
    }

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await Execute(connection, "SELECT pg_advisory_lock($1)", cancellationToken, MigrationLockKey);
        try
        {
            await Execute(connection, """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version     text PRIMARY KEY,
                    checksum    text NOT NULL,
                    applied_at  timestamptz NOT NULL DEFAULT now()
                )
                """, cancellationToken);

            var applied = await AppliedVersions(connection, cancellationToken);
            foreach (var migration in EmbeddedMigrations())
            {
                if (applied.TryGetValue(migration.Version, out var checksum))
                {
                    if (checksum != migration.Checksum)
                        log.LogWarning("Migration {Version} changed after it was applied (checksum {Applied} now {Current})",
                            migration.Version, checksum, migration.Checksum);
                    continue;
                }
                await Apply(connection, migration, cancellationToken);
            }
        }
        finally
        {
            await Execute(connection, "SELECT pg_advisory_unlock($1)", CancellationToken.None, MigrationLockKey);
        }
    }

    private async Task Apply(NpgsqlConnection connection, Migration migration, CancellationToken cancellationToken)
    {
        log.LogInformation("Applying migration {Version}", migration.Version);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var script = new NpgsqlCommand(migration.Sql, connection, transaction))
            await script.ExecuteNonQueryAsync(cancellationToken);
        await using (var record = new NpgsqlCommand(
            "INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)", connection, transaction))
        {
            record.Parameters.AddWithValue(migration.Version);
            record.Parameters.AddWithValue(migration.Checksum);
            await record.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    private static async Task<Dictionary<string, string>> AppliedVersions(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var applied = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var command = new NpgsqlCommand("SELECT version, checksum FROM schema_migrations", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            applied[reader.GetString(0)] = reader.GetString(1);
        return applied;
    }

    private static async Task Execute(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
            command.Parameters.AddWithValue(parameter);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public sealed record Migration(string Version, string Sql, string Checksum)
    {
        internal static Migration Load(Assembly assembly, string resource, string version)
        {
            using var stream = assembly.GetManifestResourceStream(resource)
                ?? throw new InvalidOperationException($"Missing embedded migration {resource}");
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var sql = reader.ReadToEnd();
            return new Migration(version, sql, Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sql))));
        }
    }
}
