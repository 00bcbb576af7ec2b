using Npgsql;
using Zapnoty.Grains.Notifications;
using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Storage;
using Zapnoty.Grains.Team;
using Zapnoty.Grains.Webhooks;

namespace Zapnoty.Grains.Tickets;

// Internal notes, and the notifications a note or an assignment makes.
public sealed partial class TicketGrain
{
    public Task<MessageView> Note(AgentNote note) => AgainIfStale(() => NoteOnce(note));

    private async Task<MessageView> NoteOnce(AgentNote note)
    {
        TicketRules.RequireText(note.Text);
        var before = await Writable();
        await RequireNoNewerMessages(before, note.ExpectedLastMessageId);
        var now = clock.StoredNow();
        // Nothing is on its way anywhere: stored, a note is where it belongs. Nothing is queued for
        // the chat, no credit is spent, first_reply_at and the status stay as they are.
        var message = new MessageView(Guid.NewGuid(), MessageAuthor.Agent, note.Agent.AgentId, note.Text, now, Delivery.Delivered, null, Internal: true);
        var after = before with { UpdatedAt = now, Version = before.Version + 1 };
        List<HistoryEntry> history = [new(now, note.Agent, "note", null, message.Id.ToString())];

        var members = await GrainFactory.GetGrain<IProjectGrain>(before.ProjectId).ListMembers(includeRemoved: true);
        var author = note.Agent.Kind == ActorKind.User ? note.Agent.AgentId : null;
        var mentioned = Mentions.In(note.Text, members).Where(id => id != author).ToList();
        List<NpgsqlBatchCommand> notify = mentioned.Count == 0 ? []
            : [NotificationWrites.Insert(mentioned, NotificationKinds.Mention, before.ProjectId, before.Id, message.Id, note.Agent, now)];

        List<TicketEvent> events = [TicketEvents.Of(TicketEventTypes.NoteAdded, after, now, new TeamDirectory(members), message)];
        var stored = await Commit(before, after, message, history, events, notify) ?? message;
        GrainFactory.Nudge(mentioned);
        return stored;
    }

    /// <summary>The new assignee hears of it, unless they assigned the ticket to themselves.</summary>
    private static (List<NpgsqlBatchCommand> Writes, Guid[] People) AssignmentNotice(TicketView before, TicketView after, Actor actor, DateTimeOffset now)
    {
        if (after.AssigneeId is not { } assignee || assignee == before.AssigneeId || (actor.Kind == ActorKind.User && actor.AgentId == assignee))
            return ([], []);
        return ([NotificationWrites.Insert([assignee], NotificationKinds.Assigned, after.ProjectId, after.Id, null, actor, now)], [assignee]);
    }
}
