using Npgsql;

namespace Zapnoty.Bench;

/// <summary>
/// Where the database time of a run goes, statement by statement, when the server preloads
/// <c>pg_stat_statements</c> (bench/run.sh does with ZAPNOTY_BENCH_STATEMENTS=1): calls per
/// request and milliseconds per request of the busiest statements. Without it, nothing is printed.
/// </summary>
public static class StatementProfile
{
    /// <summary>Starts counting from zero; false when the extension is not loaded.</summary>
    public static async Task<bool> Reset(NpgsqlDataSource db)
    {
        try
        {
            await using var command = db.CreateCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset()");
            await command.ExecuteNonQueryAsync();
            return true;
        }
        catch (PostgresException)
        {
            return false;
        }
    }

    /// <summary>Prints the statements with the most total time since <see cref="Reset"/>, per request.</summary>
    public static async Task Print(NpgsqlDataSource db, long requests, int top = 20)
    {
        await using var command = db.CreateCommand("""
            SELECT calls, total_exec_time, rows, regexp_replace(left(query, 110), '\s+', ' ', 'g')
              FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
             ORDER BY total_exec_time DESC LIMIT $1
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = top });
        Console.WriteLine($"| statement (pg_stat_statements, per acknowledged update of {requests}) | calls | ms | rows |");
        Console.WriteLine("|---|---:|---:|---:|");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            Console.WriteLine($"| `{reader.GetString(3).Replace("|", "\\|")}` | {reader.GetInt64(0) / (double)requests:F2} | " +
                $"{reader.GetDouble(1) / requests:F3} | {reader.GetInt64(2) / (double)requests:F2} |");
    }
}
