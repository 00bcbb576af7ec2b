using System.Runtime.CompilerServices;
using Npgsql;

namespace Zapnoty.Grains.Reports;

/// <summary>
/// Every ticket a project created in a range of days (its time zone), oldest first, streamed
/// row by row from the database: Npgsql reads the result as it arrives, so memory stays flat
/// however many tickets there are, and there is no row cap.
/// </summary>
public sealed class TicketExport(NpgsqlDataSource dataSource)
{
    public static readonly IReadOnlyList<string> Columns =
    [
        "number", "id", "created_at", "status", "priority", "type", "channel", "assignee", "customer_name", "customer_external_id",
        "subject", "tags", "first_reply_at", "closed_at", "first_reply_breached_at", "resolve_breached_at", "merged_into",
        "first_reply_business_seconds", "resolution_business_seconds", "csat_score", "csat_comment", "csat_at",
    ];

    private const string Utc = "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'";

    public const string Sql = $"""
        {ReportStore.Window}
        SELECT t.number::text, t.id::text, to_char(t.created_at AT TIME ZONE 'UTC', {Utc}), t.status, t.priority, ty.name, t.channel,
               coalesce(nullif(u.name, ''), u.email), c.name, c.external_id, t.subject,
               (SELECT string_agg(g.name, '; ' ORDER BY g.name) FROM ticket_tags tt JOIN tags g ON g.id = tt.tag_id WHERE tt.ticket_id = t.id),
               to_char(t.first_reply_at AT TIME ZONE 'UTC', {Utc}), to_char(t.closed_at AT TIME ZONE 'UTC', {Utc}),
               to_char(t.first_reply_breached_at AT TIME ZONE 'UTC', {Utc}), to_char(t.resolve_breached_at AT TIME ZONE 'UTC', {Utc}),
               t.merged_into::text, t.first_reply_business_seconds::text, t.resolution_business_seconds::text, t.csat_score::text,
               t.csat_comment, to_char(t.csat_at AT TIME ZONE 'UTC', {Utc})
          FROM w
          JOIN tickets t ON t.project_id = $1 AND t.created_at >= w.start_at AND t.created_at < w.end_at
          JOIN customers c ON c.id = t.customer_id
          LEFT JOIN ticket_types ty ON ty.id = t.type_id
          LEFT JOIN users u ON u.id = t.assignee_id
         ORDER BY t.created_at, t.number
        """;

    /// <summary>The tickets' fields, in the order of <see cref="Columns"/> (null for none).</summary>
    public async IAsyncEnumerable<string?[]> Rows(Guid projectId, ReportRange range, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(Sql, connection)
        {
            Parameters =
            {
                new() { Value = projectId },
                new() { Value = range.From },
                new() { Value = range.To },
                new() { Value = DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text },
            },
        };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var width = Columns.Count;
        while (await reader.ReadAsync(cancellationToken))
        {
            var row = new string?[width];
            for (var i = 0; i < width; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetString(i);
            yield return row;
        }
    }
}
