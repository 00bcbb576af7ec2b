namespace Zapnoty.Bench.Cluster;

/// <summary>Events written after the kill, how many reached the receiver, and how many arrived more than once.</summary>
public sealed record WebhookResult(int EventsAfterKill, int Received, int Duplicates);

/// <summary>
/// Webhook deliveries keep going on the survivors: every event of the two projects written
/// after the kill (creations, replies, SLA breaches) must reach the receiver, by its webhook-id.
/// </summary>
public static class WebhookCheck
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    public static async Task<WebhookResult> Run(ClusterVerdict verdict, IReadOnlyList<(BenchProject Project, Inbox Inbox)> inboxes,
        DateTimeOffset killed, CancellationToken cancellationToken)
    {
        var events = new List<(string Id, Inbox Inbox)>();
        foreach (var (project, inbox) in inboxes)
            events.AddRange((await verdict.Rows("SELECT id FROM ticket_events WHERE project_id = $1 AND occurred_at > $2", [project.Id, killed],
                r => r.GetGuid(0).ToString(), cancellationToken)).Select(id => (id, inbox)));
        var deadline = DateTimeOffset.UtcNow + Patience;
        while (DateTimeOffset.UtcNow < deadline && events.Any(e => !e.Inbox.Received(e.Id)))
            await Task.Delay(500, cancellationToken);

        var received = events.Count(e => e.Inbox.Received(e.Id));
        verdict.Require(events.Count > 0, "no webhook event was written after the kill");
        verdict.Require(received == events.Count, $"{events.Count - received} of {events.Count} webhook events written after the kill never arrived");
        return new WebhookResult(events.Count, received, inboxes.Sum(i => i.Inbox.Duplicates));
    }
}
