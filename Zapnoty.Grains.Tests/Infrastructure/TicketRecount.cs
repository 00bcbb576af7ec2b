using Npgsql;

namespace Zapnoty.Grains.Tests.Infrastructure;

/// <summary>
/// The maintained ticket counters of a project beside a recount of its tickets, both as
/// "status assignee [breached]=n" lines in one order, so a difference shows as a readable diff.
/// </summary>
public static class TicketRecount
{
    public static Task<IReadOnlyList<string>> Counters(NpgsqlDataSource db, Guid projectId) => Lines(db, projectId, """
        SELECT status, assignee_id, breached, sum(n) FROM ticket_counts WHERE project_id = $1
         GROUP BY status, assignee_id, breached HAVING sum(n) <> 0 ORDER BY 1, 2, 3
        """);

    public static Task<IReadOnlyList<string>> Recount(NpgsqlDataSource db, Guid projectId) => Lines(db, projectId, """
        SELECT status, assignee_id,
               closed_at IS NULL AND ((first_reply_at IS NULL AND first_reply_breached_at IS NOT NULL) OR resolve_breached_at IS NOT NULL
                                   OR next_reply_breached_at IS NOT NULL),
               count(*)
          FROM tickets WHERE project_id = $1
         GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        """);

    /// <summary>Asserts the counters equal the recount; returns how many tickets the project has.</summary>
    public static async Task<int> AssertCountersEqualRecount(NpgsqlDataSource db, Guid projectId)
    {
        var recount = await Recount(db, projectId);
        Assert.Equal(recount, await Counters(db, projectId));
        return recount.Sum(line => int.Parse(line[(line.LastIndexOf('=') + 1)..]));
    }

    private static async Task<IReadOnlyList<string>> Lines(NpgsqlDataSource db, Guid projectId, string sql)
    {
        var lines = new List<string>();
        await using var command = db.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = projectId });
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            lines.Add($"{reader.GetString(0)} {(reader.IsDBNull(1) ? "nobody" : reader.GetGuid(1))}{(reader.GetBoolean(2) ? " breached" : "")}={reader.GetInt64(3)}");
        return lines;
    }
}
