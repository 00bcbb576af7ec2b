using Zapnoty.Grains.Storage;
using Microsoft.Extensions.Logging;
using Zapnoty.Grains.Projects;

namespace Zapnoty.Grains.Tickets;

public sealed class TicketGrain(TicketStore store, TimeProvider clock, ILogger<TicketGrain> log) : Grain, ITicketGrain
{
    private TicketView? _ticket;
    private List<MessageView> _messages = [];
    private List<HistoryEntry> _history = [];

    public override Task OnActivateAsync(CancellationToken cancellationToken) => Reload(cancellationToken);

    public async Task<TicketDetails> Get()
    {
        var ticket = await Current();
        return new TicketDetails(ticket, _messages.ToArray(), _history.ToArray());
    }

    public Task<TicketView> Summary() => Current();

    public async Task<TicketView> Edit(TicketEdit edit)
    {
        var before = await Current();
        var now = clock.StoredNow();
        var after = before;
        var history = new List<HistoryEntry>();

        if (edit.Status is { } status && status != before.Status)
        {
            after = TicketRules.WithStatus(after, status, now);
            history.Add(new HistoryEntry(now, edit.Actor, "status", before.Status.Wire(), status.Wire()));
        }
        if (edit.Priority is { } priority && priority != before.Priority)
        {
            after = after with { Priority = priority };
            history.Add(new HistoryEntry(now, edit.Actor, "priority", before.Priority.Wire(), priority.Wire()));
        }
        if (edit.ChangesAssignee && edit.AssigneeId != before.AssigneeId)
        {
            if (edit.AssigneeId is { } assignee) await RequireAssignable(before.ProjectId, assignee);
            after = after with { AssigneeId = edit.AssigneeId };
            history.Add(new HistoryEntry(now, edit.Actor, "assignee_id", before.AssigneeId?.ToString(), edit.AssigneeId?.ToString()));
        }
        if (edit.ChangesType && edit.TypeId != before.TypeId)
        {
            string? typeName = null;
            if (edit.TypeId is { } typeId)
            {
                var type = await GrainFactory.GetGrain<IProjectGrain>(before.ProjectId).FindTicketType(typeId);
                if (type is null || type.Archived)
                    throw DomainException.Invalid("type_id", $"Ticket type {typeId} does not exist in this project.");
                typeName = type.Name;
            }
            after = after with { TypeId = edit.TypeId, TypeName = typeName };
            history.Add(new HistoryEntry(now, edit.Actor, "type_id", before.TypeId?.ToString(), edit.TypeId?.ToString()));
        }

        if (history.Count == 0) return before;
        after = after with { UpdatedAt = now, Version = before.Version + 1 };
        await Commit(before, after, message: null, history);
        return after;
    }

    public async Task<MessageView> Reply(AgentReply reply)
    {
        TicketRules.RequireText(reply.Text);
        var before = await Current();
        var now = clock.StoredNow();
        var message = new MessageView(Guid.NewGuid(), MessageAuthor.Agent, reply.Agent.AgentId, reply.Text, now,
            before.Channel == Channel.Api ? Delivery.Webhook : Delivery.Pending, null);

        var after = before with { FirstReplyAt = before.FirstReplyAt ?? now, UpdatedAt = now, Version = before.Version + 1 };
        var history = new List<HistoryEntry>();
        if (before.Status == TicketStatus.New)
        {
            after = TicketRules.WithStatus(after, TicketStatus.InProgress, now);
            history.Add(new HistoryEntry(now, reply.Agent, "status", before.Status.Wire(), TicketStatus.InProgress.Wire()));
        }
        await Commit(before, after, message, history);
        return message;
    }

    public async Task<MessageView> AddCustomerMessage(CustomerMessage customerMessage)
    {
        TicketRules.RequireText(customerMessage.Text);
        var before = await Current();
        if (before.Status == TicketStatus.Closed)
            throw DomainException.Conflict($"Ticket #{before.Number} is closed; a customer message cannot reopen it. Create a new ticket instead.");

        var now = clock.StoredNow();
        var message = new MessageView(Guid.NewGuid(), MessageAuthor.Customer, null, customerMessage.Text, now, Delivery.Delivered, null);
        var after = before with { UpdatedAt = now, Version = before.Version + 1 };
        var history = new List<HistoryEntry>();
        if (before.Status == TicketStatus.Waiting)
        {
            after = TicketRules.WithStatus(after, TicketStatus.InProgress, now);
            history.Add(new HistoryEntry(now, Actor.Customer(before.Customer.Id), "status", before.Status.Wire(), TicketStatus.InProgress.Wire()));
        }
        await Commit(before, after, message, history);
        return message;
    }

    private async Task Commit(TicketView before, TicketView after, MessageView? message, List<HistoryEntry> history)
    {
        if (!await store.Save(after, before.Version, message, history, CancellationToken.None))
        {
            log.LogWarning("Ticket {TicketId} was written elsewhere (version {Version} is stale); reloading", before.Id, before.Version);
            await Reload(CancellationToken.None);
            throw DomainException.Conflict("The ticket was changed at the same time by another request; retry.");
        }
        _ticket = after;
        if (message is not null) _messages.Add(message);
        _history.AddRange(history);
    }

    private async Task RequireAssignable(Guid projectId, Guid userId)
    {
        var role = await GrainFactory.GetGrain<IProjectGrain>(projectId).RoleOf(userId);
        if (role is null || role < ProjectRole.Support)
            throw DomainException.Invalid("assignee_id", $"User {userId} is not a member of this project with the support role or above.");
    }

    /// <summary>
    /// The ticket, loading it if this activation has not seen it yet: an activation may have
    /// started before the project grain committed the ticket.
    /// </summary>
    private async Task<TicketView> Current()
    {
        if (_ticket is null) await Reload(CancellationToken.None);
        if (_ticket is null)
        {
            DeactivateOnIdle();
            throw DomainException.NotFound($"Ticket {this.GetPrimaryKey()} does not exist.");
        }
        return _ticket;
    }

    private async Task Reload(CancellationToken cancellationToken)
    {
        var details = await store.Load(this.GetPrimaryKey(), cancellationToken);
        _ticket = details?.Ticket;
        _messages = details?.Messages.ToList() ?? [];
        _history = details?.History.ToList() ?? [];
    }
}
