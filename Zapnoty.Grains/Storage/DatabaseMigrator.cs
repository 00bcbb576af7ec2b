using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Zapnoty.Grains.Storage;

/// <summary>
/// Applies the numbered <c>.sql</c> files embedded in this assembly, in order, each in its own
/// transaction, and records them in <c>schema_migrations</c>. A session-level advisory lock
/// makes silos that start together take turns: the second one finds everything applied.
/// A migration marked as not backward compatible (<see cref="Migration.Breaking"/>) is refused
/// while silos that may run an older version are alive, unless the operator confirms a full
/// stop (<see cref="MigrationOptions"/>). <paramref name="migrations"/> replaces the embedded
/// ones (tests of the guard).
/// </summary>
public sealed class DatabaseMigrator(NpgsqlDataSource dataSource, ILogger<DatabaseMigrator> log, IOptions<MigrationOptions>? options = null,
    IReadOnlyList<DatabaseMigrator.Migration>? migrations = null)
{
    private readonly MigrationOptions _options = options?.Value ?? new MigrationOptions();

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
        // Polled rather than waited for: a session blocked inside pg_advisory_lock holds a snapshot,
        // and CREATE INDEX CONCURRENTLY in the lock holder's migration waits for every older
        // snapshot to end, so the two would wait for each other.
        while (!await TryLock(connection, cancellationToken))
            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
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
            foreach (var migration in migrations ?? EmbeddedMigrations())
            {
                if (applied.TryGetValue(migration.Version, out var checksum))
                {
                    if (checksum != migration.Checksum)
                        log.LogWarning("Migration {Version} changed after it was applied (checksum {Applied} now {Current})",
                            migration.Version, checksum, migration.Checksum);
                    continue;
                }
                if (migration.Breaking is { } breaking) await Guard(connection, migration.Version, breaking, cancellationToken);
                await Apply(connection, migration, cancellationToken);
            }
        }
        finally
        {
            await Execute(connection, "SELECT pg_advisory_unlock($1)", CancellationToken.None, MigrationLockKey);
        }
    }

    /// <summary>
    /// Any silo alive now started before this migration existed in the database, so it runs an
    /// older version (a silo of this version would have applied it, or been refused, first).
    /// </summary>
    private async Task Guard(NpgsqlConnection connection, string version, string breaking, CancellationToken cancellationToken)
    {
        var alive = await LiveSilo.Read(connection, _options.LiveSiloWindow, cancellationToken);
        if (alive.Count == 0) return;
        if (!_options.Confirms(version))
        {
            var refused = new BreakingMigrationRefusedException(version, breaking, alive);
            log.LogCritical("Refusing migration {Version}: {Reason}", version, refused.Message);
            throw refused;
        }
        log.LogWarning("Applying breaking migration {Version} as the operator confirmed a full stop; {Count} silo(s) are still listed as alive",
            version, alive.Count);
    }

    private async Task Apply(NpgsqlConnection connection, Migration migration, CancellationToken cancellationToken)
    {
        log.LogInformation("Applying migration {Version}", migration.Version);
        if (migration.OutsideTransaction)
        {
            // Statement by statement, each committed on its own (CREATE INDEX CONCURRENTLY cannot run
            // in a transaction); each is idempotent, so a start interrupted half-way runs the whole file again.
            foreach (var statement in Migration.Statements(migration.Sql))
                await Execute(connection, statement, cancellationToken, unbounded: true);
            await Execute(connection, "INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)", cancellationToken,
                migration.Version, migration.Checksum);
            return;
        }
        // Live silos keep writing while a new one migrates. A migration that locks several tables
        // can meet a request holding them in another order; PostgreSQL then aborts one of the two.
        // Waiting at most LockWait (well under deadlock_timeout, 1 s) makes the migration the one
        // that gives way: it rolls back whole and tries again, and no request fails for it.
        for (var attempt = 1; ; attempt++)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            try
            {
                await using (var wait = new NpgsqlCommand($"SET LOCAL lock_timeout = {(int)LockWait.TotalMilliseconds}", connection, transaction))
                    await wait.ExecuteNonQueryAsync(cancellationToken);
                await using (var script = new NpgsqlCommand(migration.Sql, connection, transaction) { CommandTimeout = 0 })
                    await script.ExecuteNonQueryAsync(cancellationToken);
                await using (var record = new NpgsqlCommand(
                    "INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)", connection, transaction))
                {
                    record.Parameters.AddWithValue(migration.Version);
                    record.Parameters.AddWithValue(migration.Checksum);
                    await record.ExecuteNonQueryAsync(cancellationToken);
                }
                await transaction.CommitAsync(cancellationToken);
                return;
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.LockNotAvailable or PostgresErrorCodes.DeadlockDetected
                                              && attempt < MaxLockAttempts)
            {
                await transaction.RollbackAsync(CancellationToken.None);
                log.LogInformation("Migration {Version} gave way to live requests holding its tables (attempt {Attempt}); trying again", migration.Version, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(50 * attempt), cancellationToken);
            }
        }
    }

    private static readonly TimeSpan LockWait = TimeSpan.FromMilliseconds(200);
    private const int MaxLockAttempts = 200;

    private static async Task<bool> TryLock(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", connection);
        command.Parameters.AddWithValue(MigrationLockKey);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
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

    private static async Task Execute(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params object[] parameters) =>
        await Execute(connection, sql, cancellationToken, unbounded: false, parameters);

    /// <summary>
    /// A migration's own statements run without the connection's command timeout: a backfill or an index over
    /// millions of tickets takes minutes, and a silo that gave up half-way would refuse to start at all.
    /// </summary>
    private static async Task Execute(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, bool unbounded, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        if (unbounded) command.CommandTimeout = 0;
        foreach (var parameter in parameters)
            command.Parameters.AddWithValue(parameter);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// One numbered script. <see cref="Breaking"/> is what an older silo would trip over, from a
    /// <c>-- breaking: ...</c> line in the comment block the file starts with; null when the
    /// migration is backward compatible (the rule: docs/OPERATIONS.md, "Rolling upgrade").
    /// </summary>
    public sealed record Migration(string Version, string Sql, string Checksum, string? Breaking)
    {
        private const string BreakingMarker = "-- breaking:";
        private const string NoTransactionMarker = "-- no-transaction:";

        /// <summary>
        /// Marked by a <c>-- no-transaction: ...</c> header line: applied statement by statement
        /// outside a transaction, for statements that cannot run in one (CREATE INDEX CONCURRENTLY).
        /// </summary>
        public bool OutsideTransaction => HeaderNote(Sql, NoTransactionMarker) is not null;

        public static Migration From(string version, string sql) =>
            new(version, sql, Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sql))), HeaderNote(sql, BreakingMarker));

        internal static Migration Load(Assembly assembly, string resource, string version)
        {
            using var stream = assembly.GetManifestResourceStream(resource)
                ?? throw new InvalidOperationException($"Missing embedded migration {resource}");
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return From(version, reader.ReadToEnd());
        }

        /// <summary>Only the header counts: the same words in a later comment do not mark the migration.</summary>
        private static string? HeaderNote(string sql, string marker)
        {
            foreach (var raw in sql.Split('\n'))
            {
                var line = raw.Trim();
                if (line.Length == 0) continue;
                if (!line.StartsWith("--", StringComparison.Ordinal)) return null;
                if (line.StartsWith(marker, StringComparison.OrdinalIgnoreCase))
                    return line[marker.Length..].Trim() is { Length: > 0 } note ? note : "no reason given";
            }
            return null;
        }

        /// <summary>
        /// The script split at each <c>;</c> that ends a statement: not inside quotes, a
        /// dollar-quoted body (<c>$$ ... $$</c>) or a <c>--</c> comment.
        /// </summary>
        public static IReadOnlyList<string> Statements(string sql)
        {
            var statements = new List<string>();
            var (start, quoted, dollar, comment) = (0, false, false, false);
            for (var i = 0; i < sql.Length; i++)
            {
                var c = sql[i];
                if (comment) { comment = c != '\n'; continue; }
                if (dollar) { if (c == '$' && i + 1 < sql.Length && sql[i + 1] == '$') { dollar = false; i++; } continue; }
                if (quoted) { quoted = c != '\''; continue; }
                if (c == '\'') quoted = true;
                else if (c == '-' && i + 1 < sql.Length && sql[i + 1] == '-') comment = true;
                else if (c == '$' && i + 1 < sql.Length && sql[i + 1] == '$') { dollar = true; i++; }
                else if (c == ';')
                {
                    if (sql[start..i].Trim() is { Length: > 0 } statement) statements.Add(statement);
                    start = i + 1;
                }
            }
            if (sql[start..].Trim() is { Length: > 0 } last && !last.Split('\n').All(l => l.TrimStart().StartsWith("--", StringComparison.Ordinal) || l.Trim().Length == 0))
                statements.Add(last);
            return statements;
        }
    }
}
