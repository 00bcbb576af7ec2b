using System.Text;
using Npgsql;

namespace Zapnoty.Grains.Tickets;

/// <summary>Filters of the ticket list; all optional but the project.</summary>
public sealed record TicketFilter(
    Guid ProjectId,
    TicketStatus? Status = null,
    Guid? TypeId = null,
    TicketPriority? Priority = null,
    Guid? AssigneeId = null,
    bool Unassigned = false,
    bool OverdueOnly = false,
    string? Text = null,
    string? CustomerExternalId = null,
    long? BeforeNumber = null,
    int Limit = 50);

/// <summary>
/// The ticket list is a query, never a fan-out over grains: newest first (number descending),
/// keyset-paginated on the number, each filter served by an index on (project_id, filter, number).
/// </summary>
public sealed class TicketList(NpgsqlDataSource dataSource)
{
    public async Task<IReadOnlyList<TicketView>> Find(TicketFilter filter, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand();
        var sql = Where(command, new StringBuilder(TicketRows.SelectFrom), filter, now);
        command.Parameters.Add(new() { Value = filter.Limit });
        sql.Append(" ORDER BY t.number DESC LIMIT $").Append(command.Parameters.Count);
        command.CommandText = sql.ToString();

        var tickets = new List<TicketView>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) tickets.Add(TicketRows.Read(reader));
        return tickets;
    }

    /// <summary>
    /// How many tickets match the filter in each status, and how many of them are overdue; the
    /// filter's status, cursor and limit are ignored (the counts are what the status tabs show).
    /// </summary>
    public async Task<TicketCounts> Count(TicketFilter filter, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand();
        var where = Where(command, new StringBuilder(), filter with { Status = null, BeforeNumber = null }, now);
        command.Parameters.Add(new() { Value = now });
        command.CommandText = $"""
            SELECT t.status, count(*), count(*) FILTER (WHERE {OverdueCondition("$" + command.Parameters.Count)})
              FROM tickets t
              JOIN customers c ON c.id = t.customer_id
            {where}
             GROUP BY t.status
            """;

        var byStatus = new Dictionary<TicketStatus, int>();
        var overdue = 0;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            byStatus[WireNames.ParseWire<TicketStatus>(reader.GetString(0))] = (int)reader.GetInt64(1);
            overdue += (int)reader.GetInt64(2);
        }
        return new TicketCounts(byStatus.GetValueOrDefault(TicketStatus.New), byStatus.GetValueOrDefault(TicketStatus.InProgress),
            byStatus.GetValueOrDefault(TicketStatus.Waiting), byStatus.GetValueOrDefault(TicketStatus.Closed), overdue);
    }

    private static string OverdueCondition(string now) =>
        $"((t.first_reply_at IS NULL AND t.closed_at IS NULL AND t.first_reply_due_at < {now}) OR (t.closed_at IS NULL AND t.resolve_due_at < {now}))";

    /// <summary>Appends the filter's conditions to <paramref name="sql"/>, each value as a parameter of <paramref name="command"/>.</summary>
    private static StringBuilder Where(NpgsqlCommand command, StringBuilder sql, TicketFilter filter, DateTimeOffset now)
    {
        sql.Append(" WHERE t.project_id = $1");
        command.Parameters.Add(new() { Value = filter.ProjectId });

        // Only fixed SQL fragments are appended; every value travels as a parameter.
        void Where(string condition, object value)
        {
            command.Parameters.Add(new() { Value = value });
            sql.Append(" AND ").Append(condition.Replace("@", "$" + command.Parameters.Count));
        }

        if (filter.Status is { } status) Where("t.status = @", status.Wire());
        if (filter.Priority is { } priority) Where("t.priority = @", priority.Wire());
        if (filter.TypeId is { } typeId) Where("t.type_id = @", typeId);
        if (filter.AssigneeId is { } assignee) Where("t.assignee_id = @", assignee);
        if (filter.Unassigned) sql.Append(" AND t.assignee_id IS NULL");
        if (filter.CustomerExternalId is { } externalId) Where("c.external_id = @", externalId);
        if (filter.BeforeNumber is { } before) Where("t.number < @", before);
        if (filter.OverdueOnly) Where(OverdueCondition("@"), now);
        if (!string.IsNullOrWhiteSpace(filter.Text))
        {
            var text = filter.Text.Trim();
            var pattern = "%" + text.Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_") + "%";
            var number = long.TryParse(text.TrimStart('#'), out var n) ? n : -1;
            command.Parameters.Add(new() { Value = pattern });
            var p = "$" + command.Parameters.Count;
            command.Parameters.Add(new() { Value = number });
            var q = "$" + command.Parameters.Count;
            sql.Append($"""
                 AND (t.number = {q} OR t.subject ILIKE {p} OR c.name ILIKE {p}
                      OR EXISTS (SELECT 1 FROM ticket_messages m WHERE m.ticket_id = t.id AND m.text ILIKE {p}))
                """);
        }
        return sql;
    }
}

/// <summary>Tickets per status under a filter, and how many of them are overdue.</summary>
public sealed record TicketCounts(int New, int InProgress, int Waiting, int Closed, int Overdue);
