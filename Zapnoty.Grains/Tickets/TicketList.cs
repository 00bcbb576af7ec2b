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
    TicketSearch? Search = null,
    string? CustomerExternalId = null,
    long? BeforeNumber = null,
    int Limit = 50,
    Guid? TagId = null,
    Channel? Channel = null,
    DateTimeOffset? CreatedFrom = null,
    DateTimeOffset? CreatedBefore = null);

/// <summary>
/// The ticket list is a query, never a fan-out over grains: newest first (number descending),
/// keyset-paginated on the number, each filter served by an index on (project_id, filter, number).
/// </summary>
public sealed partial class TicketList(NpgsqlDataSource dataSource)
{
    /// <summary>How long one list or count query may run before it is cancelled and the caller told to narrow it.</summary>
    public static readonly TimeSpan StatementTimeout = TimeSpan.FromSeconds(3);

    public Task<IReadOnlyList<TicketView>> Find(TicketFilter filter, DateTimeOffset now, CancellationToken cancellationToken) =>
        Bounded<IReadOnlyList<TicketView>>(filter, async command =>
        {
            var sql = Where(command, new StringBuilder(TicketRows.SelectFrom), filter, now);
            command.Parameters.Add(new() { Value = filter.Limit });
            sql.Append(" ORDER BY t.number DESC LIMIT $").Append(command.Parameters.Count);
            command.CommandText = sql.ToString();

            var tickets = new List<TicketView>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) tickets.Add(TicketRows.Read(reader));
            return tickets;
        }, cancellationToken);

    /// <summary>
    /// Runs a list query under <see cref="StatementTimeout"/> (SET LOCAL, so only in its own
    /// transaction): one caller's broad search cannot keep the shared database busy. A query
    /// cancelled by it is refused as a search to narrow.
    /// </summary>
    private Task<T> Bounded<T>(TicketFilter filter, Func<NpgsqlCommand, Task<T>> query, CancellationToken cancellationToken) =>
        Stopped(filter, async connection =>
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (var limit = new NpgsqlCommand($"SET LOCAL statement_timeout = {(int)StatementTimeout.TotalMilliseconds}", connection, transaction))
                await limit.ExecuteNonQueryAsync(cancellationToken);
            await using var command = new NpgsqlCommand { Connection = connection, Transaction = transaction };
            var result = await query(command);
            await transaction.CommitAsync(cancellationToken);
            return result;
        }, cancellationToken);

    /// <summary>Runs <paramref name="query"/> on a connection of its own; a statement it runs that <see cref="StatementTimeout"/> cancels is refused as a list to narrow.</summary>
    private async Task<T> Stopped<T>(TicketFilter filter, Func<NpgsqlConnection, Task<T>> query, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            return await query(connection);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.QueryCanceled && !cancellationToken.IsCancellationRequested)
        {
            var narrow = $"This list took longer than {StatementTimeout.TotalSeconds:0} s and was stopped. Narrow it: more words in q, a status or another filter.";
            throw filter.Search is null ? new DomainException(DomainErrorKind.Invalid, narrow) : DomainException.Invalid("q", narrow);
        }
    }

    // set_config(..., is_local => true) lasts until the end of the transaction, and a batch outside
    // BEGIN is one implicit transaction up to its Sync: the statements after it in the batch run
    // under the timeout (each its own, as with SET LOCAL), with no BEGIN, SET or COMMIT round trip.
    private static readonly string BatchTimeout = $"SELECT set_config('statement_timeout', '{(int)StatementTimeout.TotalMilliseconds}', true)";

    /// <summary>A batch on <paramref name="connection"/> whose statements run under <see cref="StatementTimeout"/>; read it with <see cref="ExecuteBounded"/>.</summary>
    private static NpgsqlBatch BoundedBatch(NpgsqlConnection connection) => new(connection) { BatchCommands = { new NpgsqlBatchCommand(BatchTimeout) } };

    /// <summary>Executes a <see cref="BoundedBatch"/>, the reader at the first statement added after the timeout.</summary>
    private static async Task<NpgsqlDataReader> ExecuteBounded(NpgsqlBatch batch, CancellationToken cancellationToken)
    {
        var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        return reader;
    }

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
        if (filter.OverdueOnly) Where(TicketCountRows.Overdue("@"), now);
        // By number through ticket_tags_tag (tag_id, ticket_number DESC): a keyset walk like the other filters.
        if (filter.TagId is { } tagId) Where("t.number IN (SELECT x.ticket_number FROM ticket_tags x WHERE x.tag_id = @)", tagId);
        // Through tickets_channel (project_id, channel, number DESC) and tickets_project_created (project_id, created_at).
        if (filter.Channel is { } channel) Where("t.channel = @", channel.Wire());
        if (filter.CreatedFrom is { } createdFrom) Where("t.created_at >= @", createdFrom);
        if (filter.CreatedBefore is { } createdBefore) Where("t.created_at < @", createdBefore);
        if (filter.Search is { } search)
        {
            // One set of ids per table the search looks in, each found through that table's
            // (project_id, ...) indexes (conditions on one table combine as a bitmap OR), rather
            // than one OR across tables the planner can only answer by walking the whole project.
            var subject = new List<string>();
            var customer = new List<string>();
            if (search.Number is not null) subject.Add(Places[SearchRank.Number]);
            if (search.Text is not null)
            {
                subject.AddRange([Places[SearchRank.Subject], Places[SearchRank.SubjectPart]]);
                customer.AddRange([Places[SearchRank.Customer], Places[SearchRank.CustomerPart]]);
            }
            var sets = new List<string> { $"SELECT t.id FROM tickets t WHERE t.project_id = $1 AND ({string.Join(" OR ", subject)})" };
            if (customer.Count > 0)
            {
                sets.Add($"SELECT t.id FROM customers c JOIN tickets t ON t.customer_id = c.id WHERE {string.Join(" OR ", customer.Select(p => $"({p})"))}");
                sets.Add(MessageTickets);
            }
            sql.Append(" AND t.id IN (").AppendJoin(" UNION ", sets).Append(')');
            // The search's values are named in the conditions; each becomes a parameter.
            var bound = Bind(command, sql.ToString(), search, null, 0);
            sql.Clear().Append(bound);
        }
        return sql;
    }
}
