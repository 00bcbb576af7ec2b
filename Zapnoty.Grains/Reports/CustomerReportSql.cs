namespace Zapnoty.Grains.Reports;

/// <summary>
/// The statements of <see cref="CustomerReport"/>. Parameters $1..$4 are those of
/// <see cref="ReportStore.Window"/> (project, first day, last day, fallback zone).
/// </summary>
internal static class CustomerReportSql
{
    /// <summary>
    /// The exact distinct count over the range's tickets (index-only scan of (project, created_at)
    /// INCLUDE (customer_id)): the answer for small ranges, and when the cheaper path would read more.
    /// The first row (k = 0) is the distribution, the others the top customers, most tickets first.
    /// </summary>
    public static readonly string Scan = $"""
        {ReportStore.Window}, per AS MATERIALIZED (
            SELECT t.customer_id, count(*) AS n
              FROM w JOIN tickets t ON t.project_id = $1 AND t.created_at >= w.start_at AND t.created_at < w.end_at
             GROUP BY t.customer_id)
        SELECT 0 AS k, NULL::uuid, count(*), count(*) FILTER (WHERE n = 1), count(*) FILTER (WHERE n = 2),
               count(*) FILTER (WHERE n BETWEEN 3 AND 5), count(*) FILTER (WHERE n >= 6)
          FROM per
        UNION ALL
        SELECT 1, p.customer_id, p.n, 0, 0, 0, 0
          FROM (SELECT * FROM per ORDER BY n DESC, customer_id LIMIT {CustomerFigures.TopCount}) p
        """;

    /// <summary>
    /// S(m) of migration 0041: the range's tickets whose m-th next ticket of the same customer is
    /// created at or after the range's end. Only customers with tickets after the end have any
    /// (a = how many, up to 6): of their last tickets in the range (j = 1 the last), those with
    /// j &lt;= m and j - 1 + a &gt;= m. $5 bounds the tickets after the end read; the first row
    /// (m = 0) says how many were read, so a caller knows when the bound cut it short (from the
    /// same read, not a second scan of them).
    /// </summary>
    public static readonly string Straddlers = $"""
        {ReportStore.Window}, after AS MATERIALIZED (
            SELECT a.customer_id, count(*) AS read, least(count(*), 6) AS a
              FROM (SELECT t.customer_id FROM w JOIN tickets t ON t.project_id = $1 AND t.created_at >= w.end_at LIMIT $5) a
             GROUP BY 1)
        SELECT 0 AS m, coalesce(sum(read), 0)::bigint FROM after
        UNION ALL
        SELECT m.m, count(*)
          FROM w, after a
         CROSS JOIN LATERAL (
                SELECT row_number() OVER (ORDER BY l.created_at DESC, l.number DESC) AS j
                  FROM (SELECT t.created_at, t.number FROM tickets t
                         WHERE t.project_id = $1 AND t.customer_id = a.customer_id AND t.created_at >= w.start_at AND t.created_at < w.end_at
                         ORDER BY t.created_at DESC, t.number DESC LIMIT 6) l) l
          JOIN unnest(ARRAY[1, 2, 3, 5, 6]) m (m) ON l.j <= m.m AND l.j - 1 + a.a >= m.m
         GROUP BY m.m
        """;

    private const string InRange = """
        (SELECT count(*) FROM tickets t
          WHERE t.project_id = $1 AND t.customer_id = c.customer_id AND t.created_at >= w.start_at AND t.created_at < w.end_at)
        """;

    /// <summary>
    /// The next customers by tickets in all time (most first, then by id) after ($6 tickets, $7 id),
    /// with at least $5 tickets, each with its tickets in the range: a batch of $8.
    /// </summary>
    public static readonly string Most = $"""
        {ReportStore.Window}
        SELECT c.customer_id, c.tickets, {InRange}
          FROM w, report_customer_tickets c
         WHERE c.project_id = $1 AND c.tickets >= $5 AND c.tickets <= $6 AND (c.tickets < $6 OR c.customer_id > $7)
         ORDER BY c.tickets DESC, c.customer_id
         LIMIT $8
        """;

    /// <summary>The first $6 customers by id with exactly $5 tickets in the range.</summary>
    public static readonly string FirstWith = $"""
        {ReportStore.Window}
        SELECT c.customer_id, x.n
          FROM w, report_customer_tickets c CROSS JOIN LATERAL (SELECT {InRange} AS n) x
         WHERE c.project_id = $1 AND c.tickets >= $5 AND x.n = $5
         ORDER BY c.customer_id
         LIMIT $6
        """;

    public const string Names = "SELECT id, name, channel, external_id FROM customers WHERE id = ANY ($1)";
}
