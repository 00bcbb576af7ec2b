using Npgsql;

namespace Zapnoty.Grains.Tests.Infrastructure;

/// <summary>Statements separated by ";\n", run as one batch, each given the same positional values.</summary>
public static class SqlScript
{
    public static async Task Execute(NpgsqlDataSource db, string sql, params object[] values)
    {
        await using var batch = db.CreateBatch();
        foreach (var statement in sql.Split(";\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var command = new NpgsqlBatchCommand(statement);
            foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
            batch.BatchCommands.Add(command);
        }
        await batch.ExecuteNonQueryAsync();
    }
}
