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
        var sql = new StringBuilder(TicketRows.SelectFrom).Append(" WHERE t.project_id = $1");
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
        if (filter.OverdueOnly)
            Where("((t.first_reply_at IS NULL AND t.closed_at IS NULL AND t.first_reply_due_at < @) OR (t.closed_at IS NULL AND t.resolve_due_at < @))", now);
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

        command.Parameters.Add(new() { Value = filter.Limit });
        sql.Append(" ORDER BY t.number DESC LIMIT $").Append(command.Parameters.Count);
        command.CommandText = sql.ToString();

        var tickets = new List<TicketView>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) tickets.Add(TicketRows.Read(reader));
        return tickets;
    }
}
