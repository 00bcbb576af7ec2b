using Npgsql;

namespace Zapnoty.Bench;

/// <summary>
/// Loading millions of generated tickets into tables with all their indexes maintains every index
/// row by row (the trigram and word indexes most of all): the scale scenario spent over an hour
/// loading 5,000,000 tickets. Like pg_restore, a bulk load sets the big indexes of tickets,
/// messages and customers aside and builds them afterwards, each in one pass. The indexes kept are
/// those behind constraints (primary keys, uniques the loader relies on) and the partial ones over
/// open tickets, which the silo's sweepers read while the load runs. The definitions are written
/// into the database itself, so a run stopped mid-load builds them on its next start.
/// </summary>
/// <remarks>
/// The measured database is the same schema either way; indexes built in one pass are a little denser
/// than ones grown row by row (as after a REINDEX).
/// </remarks>
internal static class BulkLoadIndexes
{
    private const string Record = """
        CREATE TABLE IF NOT EXISTS bench_set_aside_indexes (name text PRIMARY KEY, definition text NOT NULL);
        INSERT INTO bench_set_aside_indexes (name, definition)
        SELECT c.relname, pg_get_indexdef(i.indexrelid)
          FROM pg_index i
          JOIN pg_class c ON c.oid = i.indexrelid
         WHERE i.indrelid IN ('tickets'::regclass, 'ticket_messages'::regclass, 'customers'::regclass)
           AND i.indpred IS NULL
           AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
        ON CONFLICT (name) DO NOTHING;
        """;

    public static async Task SetAside(NpgsqlDataSource db)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await Execute(connection, Record);
        foreach (var (name, _) in await Rows(connection, "SELECT name, '' FROM bench_set_aside_indexes WHERE to_regclass(name) IS NOT NULL"))
            await Execute(connection, $"DROP INDEX {Quote(name)}");
        await transaction.CommitAsync();
    }

    /// <summary>Builds every index set aside (each committed on its own), with memory enough to sort in one go.</summary>
    public static async Task Build(NpgsqlDataSource db)
    {
        await using var connection = await db.OpenConnectionAsync();
        if (await Rows(connection, "SELECT to_regclass('bench_set_aside_indexes')::text, ''") is not [_]) return;
        await Execute(connection, "SET maintenance_work_mem = '1GB'");
        foreach (var (name, definition) in await Rows(connection, "SELECT name, definition FROM bench_set_aside_indexes ORDER BY name"))
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            await using var transaction = await connection.BeginTransactionAsync();
            await Execute(connection, definition.Replace(" INDEX ", " INDEX IF NOT EXISTS ", StringComparison.Ordinal));
            await Execute(connection, $"DELETE FROM bench_set_aside_indexes WHERE name = '{name.Replace("'", "''")}'");
            await transaction.CommitAsync();
            Console.WriteLine($"built index {name} in {started.Elapsed.TotalSeconds:F0} s");
        }
    }

    private static string Quote(string name) => "\"" + name.Replace("\"", "\"\"") + "\"";

    /// <summary>The rows of a two-column query, those whose first column is null left out.</summary>
    private static async Task<List<(string Name, string Other)>> Rows(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(string, string)>();
        while (await reader.ReadAsync())
            if (!reader.IsDBNull(0)) rows.Add((reader.GetString(0), reader.GetString(1)));
        return rows;
    }

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync();
    }
}
