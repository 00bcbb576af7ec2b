using Npgsql;
using Zapnoty.Grains.Reports;

namespace Zapnoty.Bench;

/// <summary>
/// The reports scenario's baseline: each report's question answered the way a helpdesk without
/// rollups would, as one plain SQL statement in one round trip over the raw rows (no transaction,
/// no statement timeout): the range's events taken from <c>tickets</c>, <c>ticket_messages</c> and
/// <c>ticket_history</c> (created at created_at; closed, with the resolution time, at closed_at;
/// first response at first_reply_at; the SLA outcome at the answer or the close; replies, notes and
/// customer messages; reopenings and assignments; ratings at csat_at), then counts, averages and
/// exact percentiles (<c>percentile_cont</c>) per group. The overview adds tickets per customer.
/// Written here, not taken from the product, so the baseline shares none of the code it is
/// compared with. Days are UTC (the benchmark's project has no calendar).
/// </summary>
public sealed class ReportsBaseline(NpgsqlDataSource db, Guid project)
{
    // $1 project, $2 start, $3 end (instants). Every event of the range, with the ticket's dimensions.
    private const string Events = """
        WITH ev AS (
            SELECT t.id AS ticket_id, t.created_at AS at, 'created' AS kind, NULL::float8 AS seconds, NULL::boolean AS met,
                   NULL::uuid AS agent, t.channel, t.priority, t.type_id
              FROM tickets t WHERE t.project_id = $1 AND t.created_at >= $2 AND t.created_at < $3
            UNION ALL
            SELECT t.id, t.closed_at, 'closed', extract(epoch FROM t.closed_at - t.created_at),
                   t.closed_at <= t.resolve_due_at AND t.resolve_breached_at IS NULL, t.assignee_id, t.channel, t.priority, t.type_id
              FROM tickets t WHERE t.project_id = $1 AND t.status = 'closed' AND t.closed_at >= $2 AND t.closed_at < $3
            UNION ALL
            SELECT t.id, t.first_reply_at, 'first_response', extract(epoch FROM t.first_reply_at - t.created_at),
                   t.first_reply_at <= t.first_reply_due_at AND t.first_reply_breached_at IS NULL, t.assignee_id, t.channel, t.priority, t.type_id
              FROM tickets t WHERE t.project_id = $1 AND t.first_reply_at >= $2 AND t.first_reply_at < $3
            UNION ALL
            SELECT t.id, t.csat_at, 'csat', t.csat_score, NULL, t.assignee_id, t.channel, t.priority, t.type_id
              FROM tickets t WHERE t.project_id = $1 AND t.csat_score IS NOT NULL AND t.csat_at >= $2 AND t.csat_at < $3
            UNION ALL
            SELECT m.ticket_id, m.created_at, CASE WHEN m.author = 'customer' THEN 'customer_message' WHEN m.internal THEN 'note' ELSE 'reply' END,
                   NULL, NULL, m.agent_id, t.channel, t.priority, t.type_id
              FROM ticket_messages m JOIN tickets t ON t.id = m.ticket_id
             WHERE m.project_id = $1 AND m.author IN ('customer', 'agent') AND m.created_at >= $2 AND m.created_at < $3
            UNION ALL
            SELECT h.ticket_id, h.at, CASE h.field WHEN 'status' THEN 'reopened' ELSE 'assigned' END, NULL, NULL,
                   CASE WHEN h.field = 'assignee_id' AND h.to_value ~ '^[0-9a-f-]{36}$' THEN h.to_value::uuid END, t.channel, t.priority, t.type_id
              FROM ticket_history h JOIN tickets t ON t.id = h.ticket_id
             WHERE t.project_id = $1 AND h.at >= $2 AND h.at < $3
               AND (h.field = 'status' AND h.from_value = 'closed' AND h.to_value <> 'closed' OR h.field = 'assignee_id' AND h.to_value IS NOT NULL))
        """;

    private const string Figures = """
        count(*) FILTER (WHERE kind = 'created'), count(*) FILTER (WHERE kind = 'closed'), count(*) FILTER (WHERE kind = 'reopened'),
        count(*) FILTER (WHERE kind = 'reply'), count(*) FILTER (WHERE kind = 'note'), count(*) FILTER (WHERE kind = 'customer_message'),
        count(*) FILTER (WHERE kind = 'assigned'),
        count(*) FILTER (WHERE kind = 'first_response'), avg(seconds) FILTER (WHERE kind = 'first_response'),
        percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) FILTER (WHERE kind = 'first_response'),
        percentile_cont(0.9) WITHIN GROUP (ORDER BY seconds) FILTER (WHERE kind = 'first_response'),
        avg(seconds) FILTER (WHERE kind = 'closed'),
        percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) FILTER (WHERE kind = 'closed'),
        percentile_cont(0.9) WITHIN GROUP (ORDER BY seconds) FILTER (WHERE kind = 'closed'),
        count(*) FILTER (WHERE kind = 'first_response' AND met), count(*) FILTER (WHERE kind = 'first_response' AND NOT met),
        count(*) FILTER (WHERE kind = 'closed' AND met), count(*) FILTER (WHERE kind = 'closed' AND NOT met),
        count(*) FILTER (WHERE kind = 'csat'), avg(seconds) FILTER (WHERE kind = 'csat')
        """;

    // Tickets per customer: the distribution and the top ten, beside the overview's figures.
    private const string Customers = """
        , per AS (SELECT customer_id, count(*) AS n FROM tickets WHERE project_id = $1 AND created_at >= $2 AND created_at < $3 GROUP BY customer_id)
        SELECT s.*,
               (SELECT json_build_object('customers', count(*), 'one', count(*) FILTER (WHERE n = 1), 'two', count(*) FILTER (WHERE n = 2),
                                         'three_to_five', count(*) FILTER (WHERE n BETWEEN 3 AND 5), 'six_or_more', count(*) FILTER (WHERE n >= 6)) FROM per),
               (SELECT json_agg(x) FROM (SELECT c.id, c.name, c.external_id, p.n FROM per p JOIN customers c ON c.id = p.customer_id
                                          ORDER BY p.n DESC, p.customer_id LIMIT 10) x)
          FROM (SELECT
        """;

    /// <summary>The statement of one report, grouped as the API's report is.</summary>
    public static string Sql(ReportGrouping grouping)
    {
        var (key, from, name) = grouping switch
        {
            ReportGrouping.Total => ("''", "ev", null),
            ReportGrouping.Day => ("to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD')", "ev", null),
            ReportGrouping.Week => ("to_char(date_trunc('week', at AT TIME ZONE 'UTC'), 'YYYY-MM-DD')", "ev", null),
            ReportGrouping.Hour => ("extract(isodow FROM at AT TIME ZONE 'UTC') || ':' || extract(hour FROM at AT TIME ZONE 'UTC')", "ev", null),
            ReportGrouping.Channel => ("channel", "ev", null),
            ReportGrouping.Priority => ("priority", "ev", null),
            ReportGrouping.Type => ("type_id::text", "ev", "(SELECT y.name FROM ticket_types y WHERE y.id::text = s.key)"),
            ReportGrouping.Tag => ("g.tag_id::text", "ev JOIN ticket_tags g ON g.ticket_id = ev.ticket_id", "(SELECT y.name FROM tags y WHERE y.id::text = s.key)"),
            ReportGrouping.Agent => ("agent::text", "ev", "(SELECT coalesce(nullif(u.name, ''), u.email) FROM users u WHERE u.id::text = s.key)"),
            _ => throw new ArgumentOutOfRangeException(nameof(grouping)),
        };
        var grouped = $"SELECT {key} AS key, {Figures} FROM {from} GROUP BY 1";
        return grouping == ReportGrouping.Total
            ? $"{Events}{Customers} {key} AS key, {Figures} FROM {from}) s"
            : $"{Events} SELECT s.*{(name is null ? "" : ", " + name)} FROM ({grouped}) s ORDER BY s.key";
    }

    /// <summary>One report over the UTC days <paramref name="range"/>, read to its last row.</summary>
    public Func<CancellationToken, Task> Report(ReportGrouping grouping, ReportRange range)
    {
        var sql = Sql(grouping);
        var start = new DateTimeOffset(range.From.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var end = new DateTimeOffset(range.To.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        return ct => Read(sql, [project, start, end], ct);
    }

    /// <summary>
    /// The export's question: the same columns of the range's tickets as CSV, written by PostgreSQL
    /// itself (<c>COPY ... TO STDOUT</c>) and read through Npgsql; answers the rows read.
    /// </summary>
    public async Task<long> CopyCsv(DateTimeOffset start, DateTimeOffset end, CancellationToken ct)
    {
        const string Utc = "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'";
        var copy = $"""
            COPY (SELECT t.number, t.id, to_char(t.created_at AT TIME ZONE 'UTC', {Utc}), t.status, t.priority, ty.name, t.channel,
                         coalesce(nullif(u.name, ''), u.email), c.name, c.external_id, t.subject,
                         (SELECT string_agg(g.name, '; ' ORDER BY g.name) FROM ticket_tags x JOIN tags g ON g.id = x.tag_id WHERE x.ticket_id = t.id),
                         to_char(t.first_reply_at AT TIME ZONE 'UTC', {Utc}), to_char(t.closed_at AT TIME ZONE 'UTC', {Utc}),
                         to_char(t.first_reply_breached_at AT TIME ZONE 'UTC', {Utc}), to_char(t.resolve_breached_at AT TIME ZONE 'UTC', {Utc}),
                         t.merged_into, t.first_reply_business_seconds, t.resolution_business_seconds, t.csat_score, t.csat_comment,
                         to_char(t.csat_at AT TIME ZONE 'UTC', {Utc})
                    FROM tickets t JOIN customers c ON c.id = t.customer_id
                    LEFT JOIN ticket_types ty ON ty.id = t.type_id LEFT JOIN users u ON u.id = t.assignee_id
                   WHERE t.project_id = '{project}' AND t.created_at >= '{start:O}' AND t.created_at < '{end:O}'
                   ORDER BY t.created_at, t.number) TO STDOUT (FORMAT csv, HEADER)
            """;
        await using var connection = await db.OpenConnectionAsync(ct);
        using var reader = await connection.BeginTextExportAsync(copy, ct);
        var buffer = new char[81920];
        long lines = 0;
        int read;
        while ((read = await reader.ReadAsync(buffer, ct)) > 0) lines += buffer.AsSpan(0, read).Count('\n');
        return lines - 1;
    }

    private async Task Read(string sql, object[] values, CancellationToken ct)
    {
        await using var command = db.CreateCommand(sql);
        command.CommandTimeout = 120;
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) { }
    }
}
