using Npgsql;

namespace Zapnoty.Grains.Tests.Infrastructure;

/// <summary>
/// The maintained report rollups of a project (migration 0030) beside a recount of them from the
/// raw tables, both as "hour metric dim=value bucket n seconds" lines in one order, so a
/// difference shows as a readable diff.
/// </summary>
public static class ReportRecount
{
    private const string Order = " ORDER BY hour, metric, dim, value, bucket";

    public static Task<IReadOnlyList<string>> Rollups(NpgsqlDataSource db, Guid projectId) => Lines(db, projectId, """
        SELECT hour, metric, dim, value, bucket, sum(n)::bigint AS n, sum(seconds)::bigint AS seconds
          FROM report_rollups WHERE project_id = $1
         GROUP BY hour, metric, dim, value, bucket HAVING sum(n) <> 0 OR sum(seconds) <> 0
        """ + Order);

    public static Task<IReadOnlyList<string>> Recount(NpgsqlDataSource db, Guid projectId) =>
        Lines(db, projectId, "SELECT hour, metric, dim, value, bucket, n, seconds FROM report_recount($1)" + Order);

    /// <summary>Asserts the rollups equal the recount; returns how many rollup keys the project has.</summary>
    public static async Task<int> AssertRollupsEqualRecount(NpgsqlDataSource db, Guid projectId)
    {
        var recount = await Recount(db, projectId);
        Assert.Equal(recount, await Rollups(db, projectId));
        return recount.Count;
    }

    /// <summary>
    /// Asserts each day row (report_days) is the sum of its folded hours, as the fold keeps it, and
    /// each month row (report_months, migration 0039) the sum of its days, as the trigger on days keeps it.
    /// </summary>
    public static async Task AssertDaysEqualFoldedHours(NpgsqlDataSource db, Guid projectId)
    {
        var hours = await Lines(db, projectId, """
            SELECT (hour AT TIME ZONE 'UTC')::date::timestamp AT TIME ZONE 'UTC' AS hour, metric, dim, value, bucket, sum(n)::bigint, sum(seconds)::bigint
              FROM report_rollups WHERE project_id = $1 AND folded
             GROUP BY 1, 2, 3, 4, 5 HAVING sum(n) <> 0 OR sum(seconds) <> 0
            """ + Order);
        var days = await Lines(db, projectId, """
            SELECT day::timestamp AT TIME ZONE 'UTC' AS hour, metric, dim, value, bucket, n, seconds
              FROM report_days WHERE project_id = $1 AND (n <> 0 OR seconds <> 0)
            """ + Order);
        Assert.Equal(hours, days);
        var daysByMonth = await Lines(db, projectId, """
            SELECT date_trunc('month', day)::date::timestamp AT TIME ZONE 'UTC' AS hour, metric, dim, value, bucket, sum(n)::bigint, sum(seconds)::bigint
              FROM report_days WHERE project_id = $1
             GROUP BY 1, 2, 3, 4, 5 HAVING sum(n) <> 0 OR sum(seconds) <> 0
            """ + Order);
        var months = await Lines(db, projectId, """
            SELECT month::timestamp AT TIME ZONE 'UTC' AS hour, metric, dim, value, bucket, n, seconds
              FROM report_months WHERE project_id = $1 AND (n <> 0 OR seconds <> 0)
            """ + Order);
        Assert.Equal(daysByMonth, months);
    }

    private static async Task<IReadOnlyList<string>> Lines(NpgsqlDataSource db, Guid projectId, string sql)
    {
        var lines = new List<string>();
        await using var command = db.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = projectId });
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            lines.Add($"{reader.GetFieldValue<DateTimeOffset>(0):u} {reader.GetString(1)} {reader.GetString(2)}={reader.GetString(3)} "
                + $"b{reader.GetInt16(4)} n={reader.GetInt64(5)} s={reader.GetInt64(6)}");
        return lines;
    }
}
