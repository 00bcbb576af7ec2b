using Npgsql;

namespace Zapnoty.Bench.Cluster;

/// <summary>
/// What the database says after the run, against what the load was told: each acknowledged
/// ticket and reply stored exactly once as acknowledged, numbers gapless per project, and how
/// many attempts that got no 2xx were stored anyway. Failures are collected, not thrown, so
/// one run reports every broken promise.
/// </summary>
public sealed class ClusterVerdict(NpgsqlDataSource db)
{
    private readonly List<string> _failures = [];

    public IReadOnlyList<string> Failures => _failures;

    public void Require(bool holds, string promise)
    {
        if (!holds) _failures.Add(promise);
    }

    /// <summary>Every acknowledged ticket is the one row with its marker, with the id and number it was acknowledged with.</summary>
    public Task TicketsStoredOnce(IReadOnlyCollection<AckedTicket> acked, CancellationToken cancellationToken) => StoredOnce("tickets",
        "SELECT subject, id::text || '#' || number FROM tickets WHERE subject = ANY($1)", acked.Select(t => (t.Marker, $"{t.Id}#{t.Number}")).ToList(),
        cancellationToken);

    /// <summary>Every acknowledged reply is the one message with its marker, on its ticket, with the id it was acknowledged with.</summary>
    public Task RepliesStoredOnce(IReadOnlyCollection<AckedReply> acked, CancellationToken cancellationToken) => StoredOnce("replies",
        "SELECT text, id::text || '@' || ticket_id FROM ticket_messages WHERE text = ANY($1)", acked.Select(r => (r.Marker, $"{r.Id}@{r.TicketId}")).ToList(),
        cancellationToken);

    /// <summary><paramref name="sql"/> answers (marker, what the row is) for the markers given as its parameter.</summary>
    private async Task StoredOnce(string what, string sql, IReadOnlyList<(string Marker, string Row)> acked, CancellationToken cancellationToken)
    {
        var stored = (await Rows(sql, [acked.Select(a => a.Marker).ToArray()], r => (Marker: r.GetString(0), Row: r.GetString(1)), cancellationToken))
            .ToLookup(s => s.Marker, s => s.Row);
        var wrong = acked.Count(a => stored[a.Marker].Count() != 1 || stored[a.Marker].Single() != a.Row);
        Require(wrong == 0, $"{wrong} of {acked.Count} acknowledged {what} are missing, duplicated or differ from their answer");
    }

    /// <summary>Numbers 1..N, each once, where N is every ticket of the project (acknowledged or not).</summary>
    public async Task<long> NumbersGapless(Guid projectId, string name, CancellationToken cancellationToken)
    {
        var (count, distinct, max) = (await Rows(
            "SELECT count(*), count(DISTINCT number), coalesce(max(number), 0) FROM tickets WHERE project_id = $1", [projectId],
            r => (r.GetInt64(0), r.GetInt64(1), r.GetInt64(2)), cancellationToken)).Single();
        Require(count == distinct && distinct == max, $"{name}: ticket numbers are not 1..{count} ({distinct} distinct, highest {max})");
        return count;
    }

    /// <summary>Attempts that got no 2xx but whose marker is in the database: applied, not acknowledged.</summary>
    public async Task<IReadOnlyList<Attempt>> AppliedWithoutAnswer(IReadOnlyCollection<Attempt> failed, CancellationToken cancellationToken)
    {
        var markers = failed.Select(a => a.Marker).ToArray();
        var stored = (await Rows("SELECT subject FROM tickets WHERE subject = ANY($1) UNION ALL SELECT text FROM ticket_messages WHERE text = ANY($1)",
            [markers], r => r.GetString(0), cancellationToken)).ToHashSet();
        return failed.Where(a => stored.Contains(a.Marker)).ToList();
    }

    public async Task<List<T>> Rows<T>(string sql, object[] parameters, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand(sql);
        foreach (var value in parameters) command.Parameters.Add(new NpgsqlParameter { Value = value });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken)) rows.Add(read(reader));
        return rows;
    }
}
