using System.Text;
using Npgsql;

namespace Zapnoty.Grains.Tickets;

public sealed partial class TicketList
{
    /// <summary>
    /// How many tickets match the filter in each status, how many of them are overdue, and the
    /// open tickets per assignee; the filter's status, cursor and limit are ignored (the counts are
    /// what the status tabs show). Under no filter but assignee and overdue the counts are exact
    /// and read only counters and open tickets (<see cref="TicketCountRows"/>); any other filter
    /// counts matching tickets up to <see cref="TicketCounts.Cap"/> per figure.
    /// </summary>
    public Task<TicketCounts> Count(TicketFilter filter, DateTimeOffset now, CancellationToken cancellationToken) =>
        CountedByCounters(filter) ? CountFromCounters(filter, now, cancellationToken) : CountCapped(filter, now, cancellationToken);

    private static bool CountedByCounters(TicketFilter filter)
    {
        // Compared as a whole record, so a filter added later counts by the capped path until
        // it is taught here: a filter the counters do not know is never silently ignored.
        var bare = new TicketFilter(filter.ProjectId);
        return filter with { Status = null, BeforeNumber = null, AssigneeId = null, Unassigned = false, OverdueOnly = false, Limit = bare.Limit } == bare;
    }

    private async Task<TicketCounts> CountFromCounters(TicketFilter filter, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var overdueQuery = new NpgsqlBatchCommand
        {
            Parameters = { new() { Value = filter.ProjectId }, new() { Value = now } },
        };
        if (filter.AssigneeId is { } assignee)
        {
            overdueQuery.Parameters.Add(new() { Value = assignee });
            overdueQuery.CommandText = TicketCountRows.UnrecordedOverduePerStatus("AND t.assignee_id = $3");
        }
        else overdueQuery.CommandText = TicketCountRows.UnrecordedOverduePerStatus(filter.Unassigned ? "AND t.assignee_id IS NULL" : "");

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection) { BatchCommands = { TicketCountRows.ReadCommand(filter.ProjectId), overdueQuery } };
        TicketCountRows.Counters counters;
        var unrecorded = new Dictionary<TicketStatus, int>();
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            counters = await TicketCountRows.ReadCounters(reader, cancellationToken);
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                unrecorded[WireNames.ParseWire<TicketStatus>(reader.GetString(0))] = (int)reader.GetInt64(1);
        }
        await TicketCountRows.FoldIfPiledUp(connection, filter.ProjectId, counters, cancellationToken);

        int Overdue(TicketStatus status) => counters.BreachedInStatus(status, filter) + unrecorded.GetValueOrDefault(status);
        int InStatus(TicketStatus status) => filter.OverdueOnly ? Overdue(status) : counters.InStatus(status, filter);
        var (assignees, unassigned) = counters.Open();
        return new TicketCounts(InStatus(TicketStatus.New), InStatus(TicketStatus.InProgress), InStatus(TicketStatus.Waiting),
            InStatus(TicketStatus.Closed), Enum.GetValues<TicketStatus>().Sum(Overdue)) { Assignees = assignees, Unassigned = unassigned };
    }

    /// <summary>
    /// Each figure counts at most <see cref="TicketCounts.Cap"/> + 1 matching tickets (a LIMIT
    /// under the count), so a filter over a long closed history stops early instead of walking it.
    /// </summary>
    private Task<TicketCounts> CountCapped(TicketFilter filter, DateTimeOffset now, CancellationToken cancellationToken) =>
        Bounded(filter, async command =>
        {
            var where = Where(command, new StringBuilder(), filter with { Status = null, BeforeNumber = null }, now).ToString();
            command.Parameters.Add(new() { Value = now });
            var overdueCondition = TicketCountRows.Overdue("$" + command.Parameters.Count);
            var figures = new List<string>();
            foreach (var status in Enum.GetValues<TicketStatus>())
            {
                command.Parameters.Add(new() { Value = status.Wire() });
                figures.Add("t.status = $" + command.Parameters.Count);
            }
            figures.Add(overdueCondition);
            command.CommandText = string.Join("\nUNION ALL\n", figures.Select((condition, i) => $"""
                SELECT {i}, count(*) FROM (SELECT 1 FROM tickets t JOIN customers c ON c.id = t.customer_id
                {where} AND {condition} LIMIT {TicketCounts.Cap + 1}) capped
                """));

            var counted = new int[figures.Count];
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
                while (await reader.ReadAsync(cancellationToken)) counted[reader.GetInt32(0)] = (int)reader.GetInt64(1);

            await using var read = new NpgsqlCommand(TicketCountRows.Read, command.Connection, command.Transaction)
            {
                Parameters = { new() { Value = filter.ProjectId } },
            };
            TicketCountRows.Counters counters;
            await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
                counters = await TicketCountRows.ReadCounters(reader, cancellationToken);

            var names = Enum.GetValues<TicketStatus>().Select(s => s.Wire()).Append(TicketCounts.OverdueName).ToList();
            int Figure(int i) => Math.Min(counted[i], TicketCounts.Cap);
            var (assignees, unassigned) = counters.Open();
            return new TicketCounts(Figure(0), Figure(1), Figure(2), Figure(3), Figure(4))
            {
                Assignees = assignees,
                Unassigned = unassigned,
                Capped = names.Where((_, i) => counted[i] > TicketCounts.Cap).ToList(),
            };
        }, cancellationToken);
}

/// <summary>
/// Tickets per status under a filter, how many of them are overdue, and the open tickets per
/// assignee in the whole project (whatever the filter).
/// </summary>
public sealed record TicketCounts(int New, int InProgress, int Waiting, int Closed, int Overdue)
{
    /// <summary>Where a filtered count stops: figures beyond it are "at least" (<see cref="Capped"/>).</summary>
    public const int Cap = 1000;

    public const string OverdueName = "overdue";

    /// <summary>Open tickets per assignee in the project, most first (assignees with none left out).</summary>
    public IReadOnlyList<AssigneeCount> Assignees { get; init; } = [];

    /// <summary>Open tickets of the project assigned to nobody.</summary>
    public int Unassigned { get; init; }

    /// <summary>The figures (wire names: new, in_progress, waiting, closed, overdue) that stopped at <see cref="Cap"/>.</summary>
    public IReadOnlyList<string> Capped { get; init; } = [];
}

/// <summary>How many open tickets one person is assigned.</summary>
public sealed record AssigneeCount(Guid AssigneeId, int Open);
