using Zapnoty.Grains.Assignment;
using Zapnoty.Grains.Notifications;
using Zapnoty.Grains.Storage;
using Zapnoty.Grains.Webhooks;

namespace Zapnoty.Grains.Tickets;

// Auto-assignment's two touch points with a ticket: taking an agent through the same path as a
// manual assign, and telling the project's assignment grain when a ticket starts waiting or an
// agent's ticket stops counting against their cap.
public sealed partial class TicketGrain
{
    public async Task<AutoAssignOutcome> AutoAssign(Guid assigneeId)
    {
        var before = await Current();
        if (!IsWaiting(before)) return AutoAssignOutcome.NotWaiting;
        var now = clock.StoredNow();
        var actor = AutoAssignment.Actor;
        var after = before with { AssigneeId = assigneeId, UpdatedAt = now, Version = before.Version + 1 };
        List<HistoryEntry> history = [new(now, actor, "assignee_id", null, assigneeId.ToString())];
        var team = await TeamFor(after);
        var notice = AssignmentNotice(before, after, actor, now);
        try
        {
            await Commit(before, after, message: null, history, TicketEvents.OfChanges(after, history, team).ToList(), notice.Writes,
                guards: AssignmentWrites.Guards(before.ProjectId, assigneeId));
        }
        catch (DomainException e) when (e.Kind == DomainErrorKind.Conflict)
        {
            // The cap or the agent's away toggle refused it, or another writer changed the ticket
            // (Commit reloaded it): the assignment grain tries the next agent or moves on.
            return IsWaiting(await Current()) ? AutoAssignOutcome.Refused : AutoAssignOutcome.NotWaiting;
        }
        GrainFactory.Nudge(notice.People);
        return AutoAssignOutcome.Assigned;
    }

    private static bool IsWaiting(TicketView ticket) =>
        ticket.AssigneeId is null && ticket.Status != TicketStatus.Closed && ticket.MergedInto is null;

    /// <summary>
    /// After a commit: a ticket that starts waiting (reopened or unassigned), or an agent's open
    /// ticket that closes or leaves them (room under the cap), may let a waiting ticket be assigned.
    /// </summary>
    private void NudgeAssignment(TicketView before, TicketView after)
    {
        var freed = before.AssigneeId is { } held && before.Status != TicketStatus.Closed
            && (after.AssigneeId != held || after.Status == TicketStatus.Closed);
        if (freed || (IsWaiting(after) && !IsWaiting(before)))
            GrainFactory.GetGrain<IAssignmentGrain>(after.ProjectId).Nudge().Ignore();
    }
}
