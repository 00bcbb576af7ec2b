using Npgsql;

namespace Zapnoty.Grains.Reports;

/// <summary>
/// Reads reports from the rollups of migration 0030: sums of one dimension of one project over
/// the UTC hours that make up a range of days in the project's time zone (the calendar's, UTC
/// when it has none), grouped as asked. Never reads a ticket.
/// </summary>
public sealed class ReportStore(NpgsqlDataSource dataSource)
{
    /// <summary>Unfolded rollup rows a project may pile up before a read folds them.</summary>
    public const int FoldAfterRows = 2000;

    /// <summary>How long one report query may run before it is cancelled.</summary>
    public static readonly TimeSpan StatementTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A report's transaction settings: the timeout, and no JIT. The planner's guess for a range's
    /// days (generate_series: 1,000 rows) priced a series read of 8 ms above the JIT threshold, and
    /// compiling it took 50 ms.
    /// </summary>
    internal static readonly string Settings =
        $"SET LOCAL statement_timeout = {(int)StatementTimeout.TotalMilliseconds}; SET LOCAL jit = off";

    // $1 project, $2 first day, $3 last day, $4 the zone to use when the calendar's is unknown to PostgreSQL.
    // Materialized: inlined, its subquery was planned again as an init plan in every branch that
    // uses a bound (over a hundred of them, 40-90 ms of planning a read).
    internal const string Window = """
        WITH w AS MATERIALIZED (
            SELECT z.tz, ($2::date)::timestamp AT TIME ZONE z.tz AS start_at, ($3::date + 1)::timestamp AT TIME ZONE z.tz AS end_at
              FROM (SELECT coalesce($4, (SELECT nullif(calendar->>'time_zone', '') FROM project_calendars WHERE project_id = $1), 'UTC') AS tz) z)
        """;

    /// <summary>The SQL of a grouping: the rollup dimension it reads and the expression of a group's key.</summary>
    public static (string Dim, string Key) Shape(ReportGrouping grouping) => grouping switch
    {
        ReportGrouping.Total => ("", "''"),
        ReportGrouping.Day => ("", "to_char((r.hour AT TIME ZONE w.tz)::date, 'YYYY-MM-DD')"),
        ReportGrouping.Week => ("", "to_char(date_trunc('week', r.hour AT TIME ZONE w.tz)::date, 'YYYY-MM-DD')"),
        ReportGrouping.Hour => ("", "extract(isodow FROM r.hour AT TIME ZONE w.tz)::int || ':' || extract(hour FROM r.hour AT TIME ZONE w.tz)::int"),
        ReportGrouping.Channel => ("channel", "r.value"),
        ReportGrouping.Type => ("type", "r.value"),
        ReportGrouping.Priority => ("priority", "r.value"),
        ReportGrouping.Tag => ("tag", "r.value"),
        ReportGrouping.Agent => ("agent", "r.value"),
        _ => throw new ArgumentOutOfRangeException(nameof(grouping)),
    };

    /// <summary>
    /// The rollup sums of a project over a range, per group (see <see cref="TimeSeriesSql"/>,
    /// <see cref="HoursSql"/> and <see cref="BreakdownSql"/>).
    /// </summary>
    public static string SumsSql(ReportGrouping grouping) => grouping switch
    {
        ReportGrouping.Day or ReportGrouping.Week => TimeSeriesSql(grouping),
        ReportGrouping.Hour => HoursSql,
        _ => BreakdownSql(grouping),
    };

    /// <summary>
    /// Per local day of week and hour: the range's hours, three rows an hour (the counts the heat
    /// map shows: created, customer messages, replies; none has a duration) through migration 0039's
    /// partial index of them (its list must stay the one here), not every metric and duration bucket;
    /// summed per hour first, so the zone conversion and the key ("isodow:hour", as
    /// <see cref="Shape"/> has it) are computed once an hour, not once a row.
    /// </summary>
    private static readonly string HoursSql = $"""
        {Window}, h AS (
            SELECT to_char(r.hour AT TIME ZONE w.tz, 'ID:FMHH24') AS key, sum(r.n) FILTER (WHERE r.metric = 'created') AS created,
                   sum(r.n) FILTER (WHERE r.metric = 'customer_message') AS customer_message, sum(r.n) FILTER (WHERE r.metric = 'reply') AS reply
              FROM w JOIN report_rollups r ON r.project_id = $1 AND r.dim = '' AND r.metric IN ('created', 'customer_message', 'reply')
                                          AND r.hour >= w.start_at AND r.hour < w.end_at
             GROUP BY r.hour, w.tz)
        SELECT h.key, x.metric, (-1)::smallint, sum(x.n)::bigint, 0::bigint, w.tz
          FROM w, h, LATERAL (VALUES ('created', h.created), ('customer_message', h.customer_message), ('reply', h.reply)) x (metric, n)
         WHERE x.n IS NOT NULL
         GROUP BY 1, 2, w.tz
        """;

    /// <summary>
    /// Per local day or week: each local day [s, e) of the range read as the UTC day u it overlaps
    /// most (its row in <c>report_days</c>, the sum of its folded hours, plus its unfolded hours),
    /// less every hour of u outside the local day, plus every hour of the local day outside u. That
    /// is exactly the local day's hours, for any zone. The days are read set-based: one range scan
    /// of the range's UTC days (and one of its unfolded hours) joined to the local days, and hour
    /// rows only for local days that are not their UTC day (none in UTC, 2·|o| hours a day at a
    /// whole-hour offset o); a probe per day and branch cost more than the rows at 365 days.
    /// </summary>
    private static string TimeSeriesSql(ReportGrouping grouping)
    {
        var key = grouping == ReportGrouping.Day
            ? "to_char(l.local_day, 'YYYY-MM-DD')"
            : "to_char(date_trunc('week', l.local_day)::date, 'YYYY-MM-DD')";
        return $"""
            {Window}, l AS MATERIALIZED (
                SELECT d.local_day, d.s, d.e, u.u0, u.u0 + interval '1 day' AS u1, (u.u0 AT TIME ZONE 'UTC')::date AS u_day, w.tz
                  FROM w, LATERAL (SELECT g::date AS local_day, g AT TIME ZONE w.tz AS s, (g + interval '1 day') AT TIME ZONE w.tz AS e
                                     FROM generate_series($2::date::timestamp, $3::date::timestamp, interval '1 day') g) d,
                       LATERAL (SELECT date_trunc('day', (d.s + (d.e - d.s) / 2) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS u0) u),
            b AS MATERIALIZED (SELECT min(u_day) AS d0, max(u_day) AS d1, min(u0) AS h0, max(u1) AS h1 FROM l)
            SELECT {key} AS key, x.metric, x.bucket, sum(x.n)::bigint, sum(x.seconds)::bigint, l.tz
              FROM l JOIN (
                    SELECT r.day AS u_day, r.metric, r.bucket, r.n, r.seconds
                      FROM b JOIN report_days r ON r.project_id = $1 AND r.dim = $5 AND r.day >= b.d0 AND r.day <= b.d1
                    UNION ALL
                    SELECT (r.hour AT TIME ZONE 'UTC')::date, r.metric, r.bucket, r.n, r.seconds
                      FROM b JOIN report_rollups r ON r.project_id = $1 AND NOT r.folded AND r.dim = $5 AND r.hour >= b.h0 AND r.hour < b.h1) x
                ON x.u_day = l.u_day
             GROUP BY 1, 2, 3, l.tz
            UNION ALL
            SELECT {key} AS key, x.metric, x.bucket, sum(x.n)::bigint, sum(x.seconds)::bigint, l.tz
              FROM l, LATERAL (
                    SELECT r.metric, r.bucket, -r.n AS n, -r.seconds AS seconds FROM report_rollups r
                     WHERE r.project_id = $1 AND r.dim = $5 AND r.hour >= l.u0 AND r.hour < least(l.s, l.u1)
                    UNION ALL
                    SELECT r.metric, r.bucket, -r.n, -r.seconds FROM report_rollups r
                     WHERE r.project_id = $1 AND r.dim = $5 AND r.hour >= greatest(l.e, l.u0) AND r.hour < l.u1
                    UNION ALL
                    SELECT r.metric, r.bucket, r.n, r.seconds FROM report_rollups r
                     WHERE r.project_id = $1 AND r.dim = $5 AND r.hour >= l.s AND r.hour < least(l.u0, l.e)
                    UNION ALL
                    SELECT r.metric, r.bucket, r.n, r.seconds FROM report_rollups r
                     WHERE r.project_id = $1 AND r.dim = $5 AND r.hour >= greatest(l.u1, l.s) AND r.hour < l.e) x
             WHERE l.s <> l.u0 OR l.e <> l.u1
             GROUP BY 1, 2, 3, l.tz
            """;
    }

    /// <summary>
    /// The whole range or a breakdown by a dimension: the UTC months wholly inside the range from
    /// <c>report_months</c> (migration 0039), the UTC days around them from <c>report_days</c>,
    /// the few unfolded hours among those, and the hours at the range's two ends (its local
    /// midnights). <c>m0</c> is the first UTC midnight in the range, <c>m1</c> the last (never
    /// before m0); <c>mo0</c> the first UTC month start from m0, <c>mo1</c> the last up to m1
    /// (never before mo0). A year is a dozen month rows per key and up to two months of day rows.
    /// </summary>
    private static string BreakdownSql(ReportGrouping grouping)
    {
        var (_, key) = Shape(grouping);
        return $"""
            {Window}, d AS MATERIALIZED (
                SELECT w.*, m0, greatest(m0, date_trunc('day', w.end_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC') AS m1
                  FROM w, LATERAL (SELECT CASE WHEN date_trunc('day', w.start_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' = w.start_at THEN w.start_at
                                               ELSE (date_trunc('day', w.start_at AT TIME ZONE 'UTC') + interval '1 day') AT TIME ZONE 'UTC' END AS m0) z),
            m AS MATERIALIZED (
                SELECT d.*, (d.m0 AT TIME ZONE 'UTC')::date AS day0, (d.m1 AT TIME ZONE 'UTC')::date AS day1, mo0,
                       greatest(mo0, date_trunc('month', d.m1 AT TIME ZONE 'UTC')::date) AS mo1
                  FROM d, LATERAL (SELECT CASE WHEN date_trunc('month', d.m0 AT TIME ZONE 'UTC') = d.m0 AT TIME ZONE 'UTC' THEN (d.m0 AT TIME ZONE 'UTC')::date
                                               ELSE (date_trunc('month', d.m0 AT TIME ZONE 'UTC') + interval '1 month')::date END AS mo0) z)
            SELECT s.key, s.metric, s.bucket, sum(s.n)::bigint, sum(s.seconds)::bigint, m.tz
              FROM m, LATERAL (
                    SELECT {key} AS key, r.metric, r.bucket, r.n, r.seconds FROM report_months r
                     WHERE r.project_id = $1 AND r.dim = $5 AND r.month >= m.mo0 AND r.month < m.mo1
                    UNION ALL
                    SELECT {key}, r.metric, r.bucket, r.n, r.seconds FROM report_days r
                     WHERE r.project_id = $1 AND r.dim = $5 AND r.day >= m.day0 AND r.day < least(m.mo0, m.day1)
                    UNION ALL
                    SELECT {key}, r.metric, r.bucket, r.n, r.seconds FROM report_days r
                     WHERE r.project_id = $1 AND r.dim = $5 AND r.day >= m.mo1 AND r.day < m.day1
                    UNION ALL
                    SELECT {key}, r.metric, r.bucket, r.n, r.seconds FROM report_rollups r
                     WHERE r.project_id = $1 AND NOT r.folded AND r.dim = $5 AND r.hour >= m.m0 AND r.hour < m.m1
                    UNION ALL
                    SELECT {key}, r.metric, r.bucket, r.n, r.seconds FROM report_rollups r
                     WHERE r.project_id = $1 AND r.dim = $5 AND r.hour >= m.start_at AND r.hour < least(m.m0, m.end_at)
                    UNION ALL
                    SELECT {key}, r.metric, r.bucket, r.n, r.seconds FROM report_rollups r
                     WHERE r.project_id = $1 AND r.dim = $5 AND r.hour >= m.m1 AND r.hour < m.end_at) s
             GROUP BY 1, 2, 3, m.tz
            """;
    }

    /// <summary>
    /// The figures of a project over a range, per group, in the order of their keys; a grouping
    /// by type, tag or agent names its groups (an agent by name or email, or an API key by name).
    /// </summary>
    public async Task<ReportResult> Read(Guid projectId, ReportRange range, ReportGrouping grouping, CancellationToken cancellationToken)
    {
        await FoldIfPiledUp(projectId, cancellationToken);
        try
        {
            return await Sums(projectId, range, grouping, null, cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidParameterValue)
        {
            // A zone the calendar accepted (NodaTime's tzdb) that this PostgreSQL's zone data lacks.
            return await Sums(projectId, range, grouping, "UTC", cancellationToken);
        }
    }

    private async Task<ReportResult> Sums(Guid projectId, ReportRange range, ReportGrouping grouping, string? zone, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var limit = new NpgsqlCommand(Settings, connection, transaction))
            await limit.ExecuteNonQueryAsync(cancellationToken);
        await using var command = new NpgsqlCommand(SumsSql(grouping), connection, transaction)
        {
            Parameters =
            {
                new() { Value = projectId },
                new() { Value = range.From },
                new() { Value = range.To },
                new() { Value = (object?)zone ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text },
                new() { Value = Shape(grouping).Dim },
            },
        };
        var sums = new Dictionary<string, List<RollupSum>>(StringComparer.Ordinal);
        string? usedZone = null;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken))
            {
                var key = reader.GetString(0);
                if (!sums.TryGetValue(key, out var list)) sums[key] = list = [];
                list.Add(new RollupSum(reader.GetString(1), reader.GetInt16(2), reader.GetInt64(3), reader.GetInt64(4)));
                usedZone = reader.GetString(5);
            }
        var names = grouping is ReportGrouping.Type or ReportGrouping.Tag or ReportGrouping.Agent
            ? await Names(connection, transaction, projectId, grouping, sums.Keys, cancellationToken)
            : new Dictionary<string, string>();
        usedZone ??= await Zone(connection, transaction, projectId, zone, cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        var groups = sums.OrderBy(s => s.Key, StringComparer.Ordinal)
            .Select(s => new ReportGroup(s.Key, names.GetValueOrDefault(s.Key), ReportFigures.From(s.Value)))
            // A tag taken off every ticket, a type or an agent whose facts moved away, leave keys that sum to nothing.
            .Where(g => g.Figures.HasAny())
            .ToList();
        return new ReportResult(usedZone, groups);
    }

    private static async Task<string> Zone(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid projectId, string? zone,
        CancellationToken cancellationToken)
    {
        if (zone is not null) return zone;
        await using var command = new NpgsqlCommand(
            "SELECT coalesce((SELECT nullif(calendar->>'time_zone', '') FROM project_calendars WHERE project_id = $1), 'UTC')", connection, transaction)
        {
            Parameters = { new() { Value = projectId } },
        };
        return (string)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task<Dictionary<string, string>> Names(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid projectId,
        ReportGrouping grouping, IEnumerable<string> keys, CancellationToken cancellationToken)
    {
        var ids = keys.Select(k => Guid.TryParse(k, out var id) ? id : (Guid?)null).OfType<Guid>().ToArray();
        var sql = grouping switch
        {
            ReportGrouping.Type => "SELECT id::text, name FROM ticket_types WHERE project_id = $1 AND id = ANY ($2)",
            ReportGrouping.Tag => "SELECT id::text, name FROM tags WHERE project_id = $1 AND id = ANY ($2)",
            _ => """
                SELECT u.id::text, coalesce(nullif(u.name, ''), u.email) FROM users u
                 WHERE u.id = ANY ($2) AND EXISTS (SELECT 1 FROM members m WHERE m.project_id = $1 AND m.user_id = u.id)
                UNION ALL
                SELECT k.id::text, k.name FROM api_keys k WHERE k.project_id = $1 AND k.id = ANY ($2)
                """,
        };
        await using var command = new NpgsqlCommand(sql, connection, transaction) { Parameters = { new() { Value = projectId }, new() { Value = ids } } };
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) names[reader.GetString(0)] = reader.GetString(1);
        return names;
    }

    /// <summary>
    /// Folds a project's unfolded rows into its folded rows, one per key, when more than
    /// <see cref="FoldAfterRows"/> piled up, at most a few chunks of <see cref="FoldChunkRows"/>,
    /// each in one transaction: the sums never change, whoever reads meanwhile. Writers only insert unfolded rows, so they never wait for a fold; two
    /// folds of one project are serialised by a transaction-scoped advisory lock.
    /// </summary>
    public async Task FoldIfPiledUp(Guid projectId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var count = new NpgsqlCommand(
            "SELECT count(*) FROM (SELECT 1 FROM report_rollups WHERE project_id = $1 AND NOT folded LIMIT $2) piled", connection))
        {
            count.Parameters.Add(new() { Value = projectId });
            count.Parameters.Add(new() { Value = FoldAfterRows + 1 });
            if ((long)(await count.ExecuteScalarAsync(cancellationToken))! <= FoldAfterRows) return;
        }
        // A bulk import leaves millions: a read folds a few chunks and answers; the next reads go on.
        for (var chunk = 0; chunk < ChunksPerRead && await FoldChunk(connection, projectId, cancellationToken) == FoldChunkRows; chunk++) { }
    }

    /// <summary>Folds every row of the project unfolded when it starts (see <see cref="FoldIfPiledUp"/>), a chunk per transaction.</summary>
    public async Task Fold(Guid projectId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        long piled;
        await using (var count = new NpgsqlCommand("SELECT count(*) FROM report_rollups WHERE project_id = $1 AND NOT folded", connection))
        {
            count.Parameters.Add(new() { Value = projectId });
            piled = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
        }
        // Bounded by what was piled at the start: writers keep adding rows to a busy project.
        for (var chunks = piled / FoldChunkRows + 1; chunks > 0 && await FoldChunk(connection, projectId, cancellationToken) == FoldChunkRows; chunks--) { }
    }

    // The moved rows go to their folded hour rows and to their UTC days in one statement, so a
    // day row stays the sum of its folded hours.
    private const string FoldSql = """
        WITH moved AS (
            DELETE FROM report_rollups
             WHERE ctid = ANY (ARRAY (SELECT ctid FROM report_rollups WHERE project_id = $1 AND NOT folded LIMIT $2))
               AND project_id = $1 AND NOT folded
            RETURNING hour, metric, dim, value, bucket, n, seconds),
        hours AS (
            INSERT INTO report_rollups (project_id, hour, metric, dim, value, bucket, n, seconds, folded)
            SELECT $1, hour, metric, dim, value, bucket, sum(n), sum(seconds), true
              FROM moved GROUP BY hour, metric, dim, value, bucket
            HAVING sum(n) <> 0 OR sum(seconds) <> 0
            ON CONFLICT (project_id, dim, hour, metric, value, bucket) WHERE folded
            DO UPDATE SET n = report_rollups.n + EXCLUDED.n, seconds = report_rollups.seconds + EXCLUDED.seconds),
        days AS (
            INSERT INTO report_days (project_id, day, metric, dim, value, bucket, n, seconds)
            SELECT $1, (hour AT TIME ZONE 'UTC')::date, metric, dim, value, bucket, sum(n), sum(seconds)
              FROM moved GROUP BY 2, metric, dim, value, bucket
            HAVING sum(n) <> 0 OR sum(seconds) <> 0
            ON CONFLICT (project_id, dim, day, metric, value, bucket)
            DO UPDATE SET n = report_days.n + EXCLUDED.n, seconds = report_days.seconds + EXCLUDED.seconds)
        SELECT count(*)::int FROM moved
        """;

    /// <summary>
    /// How many unfolded rows one fold moves in its transaction. One statement over all of them
    /// (1,700,000 after loading 1,000,000 tickets by SQL) outlasted the command timeout and rolled
    /// back, every time it was tried.
    /// </summary>
    public const int FoldChunkRows = 20_000;

    /// <summary>Chunks a report read folds before it reads; the sums count unfolded rows too, so the figures are right either way.</summary>
    private const int ChunksPerRead = 3;

    /// <summary>Moves up to <see cref="FoldChunkRows"/> unfolded rows into their folded hours and days in one transaction; returns how many.</summary>
    private static async Task<int> FoldChunk(NpgsqlConnection connection, Guid projectId, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                // 30: the migration of the rollups, so the lock's key space is this feature's own.
                new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock(30, hashtext($1::text))") { Parameters = { new() { Value = projectId } } },
                new NpgsqlBatchCommand(FoldSql) { Parameters = { new() { Value = projectId }, new() { Value = FoldChunkRows } } },
            },
        };
        int moved;
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            await reader.NextResultAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            moved = reader.GetInt32(0);
        }
        await transaction.CommitAsync(cancellationToken);
        return moved;
    }
}
