using Zapnoty.Grains.Audit;
using Zapnoty.Grains.Storage;
using Zapnoty.Grains.Team;
using Zapnoty.Grains.Webhooks;

namespace Zapnoty.Grains.Tickets;

/// <summary>
/// Merging this ticket (the source) into another of the same customer. The source's grain does
/// it in one transaction guarded by both tickets' versions; it reads the survivor from the
/// database, never from its grain, so two tickets merging into each other cannot wait on one
/// another. Afterwards the source refuses writes and the survivor's grain reloads.
/// </summary>
public sealed partial class TicketGrain
{
    public async Task<TicketView> Merge(TicketMerge merge)
    {
        var source = await Writable();
        const string field = "into_ticket_id";
        if (merge.IntoTicketId == source.Id) throw DomainException.Conflict($"Ticket #{source.Number} cannot be merged into itself.", field);
        var target = (await store.Load(merge.IntoTicketId, CancellationToken.None))?.Ticket;
        if (target is null || target.ProjectId != source.ProjectId)
            throw DomainException.Unprocessable($"Ticket {merge.IntoTicketId} does not exist in this project.", field);
        if (target.MergedInto is not null)
            throw DomainException.Conflict($"Ticket #{target.Number} was itself merged into another ticket; merge into that one instead.", field);
        if (target.Customer.Id != source.Customer.Id)
            throw DomainException.Unprocessable($"Only tickets of the same customer can be merged; #{source.Number} and #{target.Number} are of different customers.", field);
        if (target.Status == TicketStatus.Closed)
            throw DomainException.Conflict($"Ticket #{target.Number} is closed; reopen it before merging into it.", field);

        var now = clock.StoredNow();
        var after = (source.Status == TicketStatus.Closed ? source : TicketRules.WithStatus(source, TicketStatus.Closed, now))
            with { MergedInto = target.Id, UpdatedAt = now, Version = source.Version + 1 };
        var history = new List<HistoryEntry>();
        if (source.Status != TicketStatus.Closed)
            history.Add(new HistoryEntry(now, merge.Actor, "status", source.Status.Wire(), TicketStatus.Closed.Wire()));
        history.Add(new HistoryEntry(now, merge.Actor, "merged_into", null, target.Id.ToString()));
        var survivorEntry = new HistoryEntry(now, merge.Actor, "merged_from", null, source.Id.ToString());
        var audit = new AuditEntry(now, merge.Actor, AuditActions.TicketMerged, source.Id.ToString(),
            new { ticket_number = source.Number, into_ticket_id = target.Id, into_ticket_number = target.Number });

        var team = after.AssigneeId is null && target.AssigneeId is null ? TeamDirectory.Empty : await TeamDirectory.Of(GrainFactory, source.ProjectId);
        List<TicketEvent> events = [.. TicketEvents.OfChanges(after, history, team), MergeWrites.Event(after, target, now, team)];
        try
        {
            await Commit(source, after, message: null, history, events, [.. MergeWrites.Move(source, target, survivorEntry, audit)],
                guards: [MergeWrites.GuardSurvivor(target, now)]);
        }
        catch (Npgsql.PostgresException e) when (e.SqlState == Npgsql.PostgresErrorCodes.DeadlockDetected)
        {
            // A merge writes both tickets; one racing the other way (B into A while A goes into B), or a
            // write of the survivor, can take them in the other order. PostgreSQL rolled this one back
            // whole, so nothing changed: the caller is told to look again, not given a fault.
            throw DomainException.Conflict($"Ticket #{source.Number} or #{target.Number} changed while they were being merged; reload and try again.", field);
        }
        // The conversation now lives in the survivor.
        _messages = [];
        _hasEarlierMessages = false;
        return await GrainFactory.GetGrain<ITicketGrain>(target.Id).MergedIn();
    }

    public async Task<TicketView> MergedIn()
    {
        await Reload(CancellationToken.None);
        return await Current();
    }

    /// <summary>The ticket, for a command that changes it: a merged ticket takes no more writes.</summary>
    private async Task<TicketView> Writable()
    {
        var ticket = await Current();
        if (ticket.MergedInto is { } survivor)
            throw DomainException.Conflict($"Ticket #{ticket.Number} was merged into ticket {survivor}; work on that one.");
        return ticket;
    }
}
