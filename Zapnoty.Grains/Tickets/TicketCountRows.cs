using Npgsql;

namespace Zapnoty.Grains.Tickets;

/// <summary>
/// The maintained ticket counters (migrations 0017 and 0031): signed rows per (project, status,
/// assignee, whether a recorded breach stands) that a trigger on <c>tickets</c> adds in the
/// transaction of every creation, status, assignee or breach change and deletion, and the partial
/// index of open tickets without a standing breach by the time they fall overdue (0032). Nothing
/// here reads a closed ticket, nor an overdue one whose breach is recorded.
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
        SELECT status, assignee_id, breached, sum(n)::bigint, count(*)::int
          FROM ticket_counts WHERE project_id = $1
         GROUP BY status, assignee_id, breached
        """;

    /// <summary>
    /// When an open ticket falls overdue: the earliest of its first-reply deadline (while unanswered),
    /// its resolve deadline and its next-reply deadline (a customer message waiting for an answer). The key of <c>tickets_open_unrecorded_overdue_at</c>; a query matches
    /// that index only with this expression as written, <c>t.closed_at IS NULL</c> and <see cref="Unrecorded"/>.
    /// </summary>
    public const string OverdueAt = "LEAST(CASE WHEN t.first_reply_at IS NULL THEN t.first_reply_due_at END, t.resolve_due_at, t.next_reply_due_at)";

    /// <summary>Whether the ticket's recorded breach still stands (migration 0031): such a ticket is overdue whatever its due times say.</summary>
    public const string Standing = "ticket_breach_stands(t.closed_at, t.first_reply_at, t.first_reply_breached_at, t.resolve_breached_at, t.next_reply_breached_at)";

    /// <summary>The predicate of <c>tickets_open_unrecorded_overdue_at</c>: open, no standing breach.</summary>
    public const string Unrecorded = $"t.closed_at IS NULL AND NOT {Standing}";

    /// <summary>
    /// Overdue: open, and past a due time or with a recorded breach standing. The two parts are
    /// disjoint in how they are read: the counters hold the second, the index of 0032 the first's rest.
    /// </summary>
    public static string Overdue(string now) => $"(t.closed_at IS NULL AND ({Standing} OR {OverdueAt} < {now}))";

    /// <summary>
    /// Open tickets past a due time whose breach is not recorded yet, per status, optionally of one
    /// assignee ($3) or of nobody: an index-only range scan of <c>tickets_open_unrecorded_overdue_at</c>,
    /// which a breach recorded (within a reminder period) leaves.
    /// </summary>
    public static string UnrecordedOverduePerStatus(string assigneeCondition) => $"""
        SELECT t.status, count(*)
          FROM tickets t
         WHERE t.project_id = $1 AND {Unrecorded}
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
        WITH folded AS (DELETE FROM ticket_counts WHERE project_id = $1 RETURNING status, assignee_id, breached, n)
        INSERT INTO ticket_counts (project_id, status, assignee_id, breached, n)
        SELECT $1, status, assignee_id, breached, sum(n) FROM folded GROUP BY status, assignee_id, breached HAVING sum(n) <> 0
        """;

    public static NpgsqlBatchCommand ReadCommand(Guid projectId) => new(Read) { Parameters = { new() { Value = projectId } } };

    /// <summary>Reads the rows <see cref="Read"/> answers (the reader positioned on that result).</summary>
    public static async Task<Counters> ReadCounters(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var sums = new Dictionary<(TicketStatus Status, Guid? Assignee), long>();
        var breached = new Dictionary<(TicketStatus Status, Guid? Assignee), long>();
        var rows = 0;
        var keys = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            var key = (WireNames.ParseWire<TicketStatus>(reader.GetString(0)), reader.IsDBNull(1) ? (Guid?)null : reader.GetGuid(1));
            var n = reader.GetInt64(3);
            sums[key] = sums.GetValueOrDefault(key) + n;
            if (reader.GetBoolean(2)) breached[key] = n;
            rows += reader.GetInt32(4);
            keys++;
        }
        return new Counters(sums, breached, rows, keys);
    }

    public static async Task FoldIfPiledUp(NpgsqlConnection connection, Guid projectId, Counters counters, CancellationToken cancellationToken)
    {
        if (counters.Rows - counters.Keys <= FoldAfterExtraRows) return;
        await using var fold = new NpgsqlCommand(Fold, connection) { Parameters = { new() { Value = projectId } } };
        await fold.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Tickets per (status, assignee) in a project, those of them with a standing breach, and how
    /// many counter rows hold them under how many keys.
    /// </summary>
    public sealed record Counters(
        IReadOnlyDictionary<(TicketStatus Status, Guid? Assignee), long> Sums,
        IReadOnlyDictionary<(TicketStatus Status, Guid? Assignee), long> Breached,
        int Rows,
        int Keys)
    {
        /// <summary>Tickets in <paramref name="status"/>, of the filter's assignee (or nobody) when it names one.</summary>
        public int InStatus(TicketStatus status, TicketFilter filter) => InStatus(Sums, status, filter);

        /// <summary>Tickets in <paramref name="status"/> with a standing breach, of the filter's assignee (or nobody) when it names one.</summary>
        public int BreachedInStatus(TicketStatus status, TicketFilter filter) => InStatus(Breached, status, filter);

        private static int InStatus(IReadOnlyDictionary<(TicketStatus Status, Guid? Assignee), long> counts, TicketStatus status, TicketFilter filter) =>
            (int)counts.Where(s => s.Key.Status == status && Matches(s.Key.Assignee, filter)).Sum(s => s.Value);

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
