using Npgsql;

namespace Zapnoty.Bench;

/// <summary>
/// PostgreSQL's own counters: transactions (read-only ones included) and WAL syncs, the fsyncs
/// that make commits durable. Backends publish their counts about once a second, so over a
/// window of a few seconds these are approximate: good enough to tell one commit per request
/// from three, not to count exactly.
/// </summary>
public sealed record DatabaseActivity(long Transactions, long WalSyncs)
{
    public static async Task<DatabaseActivity> Read(NpgsqlDataSource db)
    {
        await using var command = db.CreateCommand("""
            SELECT (SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()),
                   (SELECT wal_sync FROM pg_stat_wal)
            """);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new DatabaseActivity(reader.GetInt64(0), reader.GetInt64(1));
    }

    public static DatabaseActivity operator -(DatabaseActivity after, DatabaseActivity before) =>
        new(after.Transactions - before.Transactions, after.WalSyncs - before.WalSyncs);
}
