namespace Zapnoty.Bench.Cluster;

/// <summary>Breaches of the SLA project's tickets whose target fell due after the kill: how many, and how late they were recorded.</summary>
public sealed record SlaResult(long DueAfterKill, long Breached, long Missing, TimeSpan MaxLateness, TimeSpan MedianLateness);

/// <summary>
/// SLA reminders keep firing on the survivors: every ticket of the SLA project must get its
/// resolution breach recorded, including those whose reminder the killed silo held. Waits
/// for the last target to fall due and a margin for the reminder and the sweep.
/// </summary>
public static class SlaCheck
{
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(40);

    public static async Task<SlaResult> Run(ClusterVerdict verdict, Guid projectId, DateTimeOffset killed, CancellationToken cancellationToken)
    {
        var lastDue = (await verdict.Rows("SELECT max(resolve_due_at) FROM tickets WHERE project_id = $1", [projectId],
            r => r.GetFieldValue<DateTimeOffset>(0), cancellationToken)).Single();
        // Until the last target fell due, then until every breach is recorded or the margin is over.
        var deadline = lastDue + Margin;
        while (DateTimeOffset.UtcNow < lastDue
            || (DateTimeOffset.UtcNow < deadline && await Unbreached(verdict, projectId, cancellationToken) > 0))
            await Task.Delay(500, cancellationToken);

        var rows = await verdict.Rows(
            "SELECT resolve_due_at, resolve_breached_at FROM tickets WHERE project_id = $1 AND resolve_due_at > $2", [projectId, killed],
            r => (Due: r.GetFieldValue<DateTimeOffset>(0), Breached: r.IsDBNull(1) ? (DateTimeOffset?)null : r.GetFieldValue<DateTimeOffset>(1)),
            cancellationToken);
        var lateness = rows.Where(r => r.Breached is not null).Select(r => r.Breached!.Value - r.Due).Order().ToList();
        var missing = await Unbreached(verdict, projectId, cancellationToken);
        verdict.Require(missing == 0, $"{missing} SLA tickets past their resolution target have no breach recorded");
        verdict.Require(lateness.Count > 0, "no SLA target fell due after the kill");
        return new SlaResult(rows.Count, lateness.Count, missing,
            lateness.Count == 0 ? TimeSpan.Zero : lateness[^1], lateness.Count == 0 ? TimeSpan.Zero : lateness[lateness.Count / 2]);
    }

    private static async Task<long> Unbreached(ClusterVerdict verdict, Guid projectId, CancellationToken cancellationToken) =>
        (await verdict.Rows("SELECT count(*) FROM tickets WHERE project_id = $1 AND resolve_due_at < now() AND resolve_breached_at IS NULL",
            [projectId], r => r.GetInt64(0), cancellationToken)).Single();
}
