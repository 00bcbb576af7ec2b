using Npgsql;

namespace Zapnoty.Grains.Live;

/// <summary>One row of a project's durable event feed: its number in the project, its outbox type and payload.</summary>
public sealed record LiveEvent(long Seq, string Type, Guid? TicketId, string Payload);

/// <summary>
/// Reads a project's events in the order of <c>project_seq</c> (migration 0021: gapless, in commit
/// order), so a reader that remembers the last number it saw misses nothing and sees nothing twice.
/// </summary>
public sealed class LiveEventStore(NpgsqlDataSource dataSource)
{
    /// <summary>The number of the project's latest committed event (0 before its first).</summary>
    public async Task<long> Head(Guid projectId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT coalesce((SELECT last_seq FROM project_event_seqs WHERE project_id = $1), 0)");
        command.Parameters.Add(new() { Value = projectId });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Up to <paramref name="limit"/> events numbered after <paramref name="after"/> (and up to <paramref name="upTo"/>), oldest first.</summary>
    public async Task<IReadOnlyList<LiveEvent>> After(Guid projectId, long after, long upTo, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT project_seq, type, ticket_id, payload::text FROM ticket_events
             WHERE project_id = $1 AND project_seq > $2 AND project_seq <= $3
             ORDER BY project_seq LIMIT $4
            """);
        command.Parameters.Add(new() { Value = projectId });
        command.Parameters.Add(new() { Value = after });
        command.Parameters.Add(new() { Value = upTo });
        command.Parameters.Add(new() { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var events = new List<LiveEvent>();
        while (await reader.ReadAsync(cancellationToken))
            events.Add(new LiveEvent(reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetGuid(2), reader.GetString(3)));
        return events;
    }
}
