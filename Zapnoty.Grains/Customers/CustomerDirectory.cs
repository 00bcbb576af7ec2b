using Npgsql;
using NpgsqlTypes;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Customers;

/// <summary>Reads a project's customers: the directory (searched, keyset-paginated) and one customer's profile.</summary>
public sealed class CustomerDirectory(NpgsqlDataSource dataSource)
{
    private const string Columns = "c.id, c.channel, c.external_id, c.name, c.username, c.email, c.created_at, c.unreachable_reason";

    /// <summary>
    /// The expression the trigram index <c>customers_search_trgm</c> is built on: one ILIKE over it
    /// finds a name, a username or an external id through the index.
    /// </summary>
    public const string SearchedText = "(coalesce(c.name, '') || ' ' || coalesce(c.username, '') || ' ' || c.external_id)";

    /// <summary>Newest first; <paramref name="text"/> (when given) is a substring of the name, username or external id.</summary>
    public async Task<IReadOnlyList<CustomerSummary>> Find(Guid projectId, string? text, CustomerPosition? after, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {Columns} FROM customers c
             WHERE c.project_id = $1
               AND ($2::text IS NULL OR {SearchedText} ILIKE $2)
               AND (c.created_at, c.id) < ($3, $4)
             ORDER BY c.created_at DESC, c.id DESC
             LIMIT $5
            """);
        command.Parameters.Add(new() { Value = projectId });
        command.Parameters.Add(new() { Value = text is null ? DBNull.Value : "%" + Escape(text) + "%", NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = after?.FirstContactAt ?? DateTimeOffset.MaxValue });
        command.Parameters.Add(new() { Value = after?.Id ?? Guid.Parse("ffffffff-ffff-ffff-ffff-ffffffffffff") });
        command.Parameters.Add(new() { Value = limit });
        var customers = new List<CustomerSummary>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) customers.Add(Read(reader));
        return customers;
    }

    /// <summary>The customer of this project with their notes and tickets; null for no such customer here.</summary>
    public async Task<CustomerProfile?> Profile(Guid projectId, Guid customerId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand($"SELECT {Columns}, c.notes FROM customers c WHERE c.id = $1 AND c.project_id = $2")
                {
                    Parameters = { new() { Value = customerId }, new() { Value = projectId } },
                },
                // Served by tickets_customer (customer_id, number DESC); a customer has few tickets.
                new NpgsqlBatchCommand(TicketRows.SelectFrom + """
                     WHERE t.customer_id = $1 AND t.project_id = $2
                     ORDER BY t.status = 'closed', t.number DESC
                     LIMIT $3
                    """)
                {
                    Parameters = { new() { Value = customerId }, new() { Value = projectId }, new() { Value = CustomerLimits.ProfileTickets + 1 } },
                },
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        var customer = Read(reader);
        var notes = reader.IsDBNull(8) ? null : reader.GetString(8);
        await reader.NextResultAsync(cancellationToken);
        var tickets = new List<TicketView>();
        while (await reader.ReadAsync(cancellationToken)) tickets.Add(TicketRows.Read(reader));
        var more = tickets.Count > CustomerLimits.ProfileTickets;
        return new CustomerProfile(customer, notes, tickets.Take(CustomerLimits.ProfileTickets).ToList(), more);
    }

    /// <summary>Writes the notes of a customer of this project; false when there is no such customer here.</summary>
    public async Task<bool> SetNotes(Guid projectId, Guid customerId, string? notes, Audit.AuditEntry audit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("UPDATE customers SET notes = $3 WHERE id = $1 AND project_id = $2")
                {
                    Parameters = { new() { Value = customerId }, new() { Value = projectId }, new() { Value = (object?)notes ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text } },
                },
                Audit.AuditWrites.Insert(projectId, audit),
            },
        };
        await batch.ExecuteNonQueryAsync(cancellationToken);
        if (batch.BatchCommands[0].RecordsAffected != 1)
        {
            await transaction.RollbackAsync(cancellationToken);
            return false;
        }
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    private static CustomerSummary Read(NpgsqlDataReader r) => new(
        r.GetGuid(0), WireNames.ParseWire<Channel>(r.GetString(1)), r.GetString(2),
        r.IsDBNull(3) ? null : r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5),
        r.GetFieldValue<DateTimeOffset>(6), r.IsDBNull(7) ? null : r.GetString(7));

    private static string Escape(string text) => text.Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_");
}
