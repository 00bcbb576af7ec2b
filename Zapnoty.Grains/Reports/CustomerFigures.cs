using Npgsql;

namespace Zapnoty.Grains.Reports;

/// <summary>
/// Tickets per customer among the tickets created in a range: how many customers wrote, how many
/// of them opened one ticket, two, three to five, six or more, and the customers with the most.
/// </summary>
public sealed record CustomerFigures(long Customers, long OneTicket, long TwoTickets, long ThreeToFiveTickets, long SixOrMoreTickets,
    IReadOnlyList<TopCustomer> Top)
{
    /// <summary>How many customers <see cref="Top"/> lists at most.</summary>
    public const int TopCount = 10;

    public static readonly CustomerFigures None = new(0, 0, 0, 0, 0, []);
}

/// <summary>One of the customers who opened the most tickets in a range.</summary>
public sealed record TopCustomer(Guid CustomerId, string? Name, string Channel, string ExternalId, long Tickets);

/// <summary>
/// Reads <see cref="CustomerFigures"/> from the range's tickets (the one report read not from the
/// rollups: a distinct count does not add up over hours), through the index on (project,
/// created_at) that carries the customer, so no ticket row is read.
/// </summary>
public sealed class CustomerReport(NpgsqlDataSource dataSource)
{
    // The first row (k = 0) is the distribution, the others the top customers, most tickets first.
    private static readonly string Sql = $"""
        {ReportStore.Window}, per AS MATERIALIZED (
            SELECT t.customer_id, count(*) AS n
              FROM w JOIN tickets t ON t.project_id = $1 AND t.created_at >= w.start_at AND t.created_at < w.end_at
             GROUP BY t.customer_id)
        SELECT 0 AS k, NULL::uuid, NULL::text, NULL::text, NULL::text, count(*), count(*) FILTER (WHERE n = 1), count(*) FILTER (WHERE n = 2),
               count(*) FILTER (WHERE n BETWEEN 3 AND 5), count(*) FILTER (WHERE n >= 6)
          FROM per
        UNION ALL
        SELECT 1, c.id, c.name, c.channel, c.external_id, p.n, 0, 0, 0, 0
          FROM (SELECT * FROM per ORDER BY n DESC, customer_id LIMIT {CustomerFigures.TopCount}) p
          JOIN customers c ON c.id = p.customer_id
         ORDER BY 1, 6 DESC, 2
        """;

    public async Task<CustomerFigures> Read(Guid projectId, ReportRange range, CancellationToken cancellationToken)
    {
        try
        {
            return await Read(projectId, range, null, cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidParameterValue)
        {
            // As ReportStore.Read: a zone this PostgreSQL's zone data lacks reads in UTC.
            return await Read(projectId, range, "UTC", cancellationToken);
        }
    }

    private async Task<CustomerFigures> Read(Guid projectId, ReportRange range, string? zone, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var limit = new NpgsqlCommand(ReportStore.Settings, connection, transaction))
            await limit.ExecuteNonQueryAsync(cancellationToken);
        await using var command = new NpgsqlCommand(Sql, connection, transaction)
        {
            Parameters =
            {
                new() { Value = projectId },
                new() { Value = range.From },
                new() { Value = range.To },
                new() { Value = (object?)zone ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text },
            },
        };
        var figures = CustomerFigures.None;
        var top = new List<TopCustomer>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken))
            {
                if (reader.GetInt32(0) == 0)
                    figures = new CustomerFigures(reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7), reader.GetInt64(8), reader.GetInt64(9), top);
                else
                    top.Add(new TopCustomer(reader.GetGuid(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3),
                        reader.GetString(4), reader.GetInt64(5)));
            }
        await transaction.CommitAsync(cancellationToken);
        return figures with { Top = top };
    }
}
