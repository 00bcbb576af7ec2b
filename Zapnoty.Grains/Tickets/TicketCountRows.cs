using Npgsql;

namespace Zapnoty.Grains.Tickets;

/// <summary>
/// The maintained ticket counters (migration 0017): signed rows per (project, status, assignee)
/// that a trigger on <c>tickets</c> adds in the transaction of every creation, status or
/// assignee change and deletion, and the partial index of open tickets by the time they fall
/// overdue. Nothing here reads a closed ticket.
/// </summary>
public static class TicketCountRows
{
    /// <summary>
    /// Rows a project may pile up beyond one per key before a read folds them: a read sums a few
    /// hundred small rows in well under a millisecond, and folding is one short statement.
    /// </summary>
    public const int FoldAfterExtraRows = 200;

    /// <summary>The counters of one project: the sum of its rows per (status, assignee).</summary>
    public const string Read = """
        SELECT status, assignee_id, sum(n)::bigint, count(*)::int
          FROM ticket_counts WHERE project_id = $1
         GROUP BY status, assignee_id
        """;

    /// <summary>
    /// When an open ticket falls overdue: the earlier of its first-reply deadline (while unanswered)
    /// and its resolve deadline. The key of <c>tickets_open_overdue_at</c>; a query matches that
    /// index only with this expression as written and <c>t.closed_at IS NULL</c>.
    /// </summary>
    public const string OverdueAt = "LEAST(CASE WHEN t.first_reply_at IS NULL THEN t.first_reply_due_at END, t.resolve_due_at)";

    /// <summary>
    /// Overdue open tickets per status, optionally of one assignee ($3) or of nobody: an
    /// index-only range scan of <c>tickets_open_overdue_at</c>. Closed tickets are not in that
    /// index (and never overdue).
    /// </summary>
    public static string OverduePerStatus(string assigneeCondition) => $"""
        SELECT t.status, count(*)
          FROM tickets t
         WHERE t.project_id = $1 AND t.closed_at IS NULL
           AND {OverdueAt} < $2
           {assigneeCondition}
         GROUP BY t.status
        """;

    /// <summary>
    /// Replaces a project's rows by one per key (dropping keys that sum to nothing), in one
    /// statement. Safe beside writers, which only insert: rows committed after this statement's
    /// snapshot are not deleted and stay as they are. Safe beside another fold: a row the other
    /// one deleted first is skipped here, so each row is summed by exactly one of them.
    /// </summary>
    private const string Fold = """
        WITH folded AS (DELETE FROM ticket_counts WHERE project_id = $1 RETURNING status, assignee_id, n)
        INSERT INTO ticket_counts (project_id, status, assignee_id, n)
        SELECT $1, status, assignee_id, sum(n) FROM folded GROUP BY status, assignee_id HAVING sum(n) <> 0
        """;

    public static NpgsqlBatchCommand ReadCommand(Guid projectId) => new(Read) { Parameters = { new() { Value = projectId } } };

    /// <summary>Reads the rows <see cref="Read"/> answers (the reader positioned on that result).</summary>
    public static async Task<Counters> ReadCounters(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var sums = new Dictionary<(TicketStatus Status, Guid? Assignee), long>();
        var rows = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            var key = (WireNames.ParseWire<TicketStatus>(reader.GetString(0)), reader.IsDBNull(1) ? (Guid?)null : reader.GetGuid(1));
            sums[key] = reader.GetInt64(2);
            rows += reader.GetInt32(3);
        }
        return new Counters(sums, rows);
    }

    public static async Task FoldIfPiledUp(NpgsqlConnection connection, Guid projectId, Counters counters, CancellationToken cancellationToken)
    {
        if (counters.Rows - counters.Sums.Count <= FoldAfterExtraRows) return;
        await using var fold = new NpgsqlCommand(Fold, connection) { Parameters = { new() { Value = projectId } } };
        await fold.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Tickets per (status, assignee) in a project, and how many counter rows hold them.</summary>
    public sealed record Counters(IReadOnlyDictionary<(TicketStatus Status, Guid? Assignee), long> Sums, int Rows)
    {
        /// <summary>Tickets in <paramref name="status"/>, of the filter's assignee (or nobody) when it names one.</summary>
        public int InStatus(TicketStatus status, TicketFilter filter) => (int)Sums
            .Where(s => s.Key.Status == status && Matches(s.Key.Assignee, filter))
            .Sum(s => s.Value);

        /// <summary>Open tickets per assignee, most first; the unassigned ones apart.</summary>
        public (IReadOnlyList<AssigneeCount> Assignees, int Unassigned) Open()
        {
            var open = Sums.Where(s => s.Key.Status != TicketStatus.Closed)
                .GroupBy(s => s.Key.Assignee, s => s.Value)
                .Select(g => (Assignee: g.Key, Open: (int)g.Sum()))
                .Where(g => g.Open != 0)
                .ToList();
            return (open.Where(g => g.Assignee is not null).Select(g => new AssigneeCount(g.Assignee!.Value, g.Open))
                    .OrderByDescending(a => a.Open).ThenBy(a => a.AssigneeId).ToList(),
                open.Where(g => g.Assignee is null).Sum(g => g.Open));
        }

        private static bool Matches(Guid? assignee, TicketFilter filter) =>
            filter.AssigneeId is { } wanted ? assignee == wanted : !filter.Unassigned || assignee is null;
    }
}
