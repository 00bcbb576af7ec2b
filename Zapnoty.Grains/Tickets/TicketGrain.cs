using Microsoft.Extensions.DependencyInjection;
using Zapnoty.Grains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Zapnoty.Grains.Channels;
using Zapnoty.Grains.Notifications;
using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Team;
using Zapnoty.Grains.Webhooks;

namespace Zapnoty.Grains.Tickets;

public sealed partial class TicketGrain(TicketStore store, TimeProvider clock, IOptions<SlaOptions> slaOptions, Observability.ZapnotyMetrics metrics, ILogger<TicketGrain> log,
    BotLanguages.CustomerLanguages customerLanguages)
    : Grain, ITicketGrain
{
    private TicketView? _ticket;
    // Only the latest messages (TicketLimits.RecentMessages): a ticket a customer floods stays small in memory.
    private List<MessageView> _messages = [];
    private bool _hasEarlierMessages;
    private List<HistoryEntry> _history = [];
    private (DateOnly Day, int Count)? _customerMessagesToday;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (ServiceProvider.GetRequiredService<FreshTickets>().Take(this.GetPrimaryKey()) is not { } fresh) return Reload(cancellationToken);
        StartFrom(fresh);
        return Task.CompletedTask;
    }

    public async Task<TicketDetails> Get()
    {
        await Conversation();
        var ticket = await Current();
        // A messenger customer is marked (un)reachable outside this grain (a refused send, a block
        // update, on any of their tickets), so the full view reads them fresh.
        if (ticket.Route is not null && await store.Customer(ticket.Customer.Id, CancellationToken.None) is { } customer)
            ticket = ticket with { Customer = customer };
        ticket = await WithFreshTags(ticket);
        return new TicketDetails(ticket, _messages.ToArray(), _history.ToArray(), _hasEarlierMessages);
    }

    public async Task<MessagePage?> Messages(Guid? before, int limit)
    {
        var ticket = await Current();
        return await store.Messages(ticket.Id, before, limit, CancellationToken.None);
    }

    public Task<TicketView> Summary() => Current();

    public async Task<CustomerFile> Attachment(Guid messageId, int index)
    {
        var ticket = await Current();
        var message = _messages.Find(m => m.Id == messageId)
            ?? await store.Message(ticket.Id, messageId, null, CancellationToken.None)
            ?? throw DomainException.NotFound($"Ticket #{ticket.Number} has no message {messageId}.");
        // A file an agent sent is in our file store; one a customer sent is fetched through the ticket's chat.
        if (message.Attachments is not { } files || index < 0 || index >= files.Count || (ticket.Route is null && files[index].StoredId is null))
            throw DomainException.NotFound($"Message {messageId} has no attachment {index}; it has {message.Attachments?.Count ?? 0}, numbered from 0.");
        return new CustomerFile(files[index], ticket.Route);
    }

    public Task<TicketView> Edit(TicketEdit edit) => AgainIfStale(() => EditOnce(edit));

    private async Task<TicketView> EditOnce(TicketEdit edit)
    {
        var before = await Writable();
        var now = clock.StoredNow();
        var after = before;
        var history = new List<HistoryEntry>();

        if (edit.Status is { } status && status != before.Status)
        {
            after = TicketRules.WithStatus(after, status, now);
            if (before.Status == TicketStatus.Closed)
                after = await WithFreshResolutionTarget(after, now);
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
        after = await WithSlaAfterEdit(before, after, now, edit.Actor, history);
        after = after with { UpdatedAt = now, Version = before.Version + 1 };
        var team = await TeamFor(after);
        var notice = AssignmentNotice(before, after, edit.Actor, now);
        await Commit(before, after, message: null, history, TicketEvents.OfChanges(after, history, team).ToList(), notice.Writes);
        GrainFactory.Nudge(notice.People);
        // As committed: a close may have added its survey.
        return _ticket ?? after;
    }

    public Task<MessageView> Reply(AgentReply reply) => Once(reply.Key, () => ReplyOnce(reply));

    private async Task<MessageView> ReplyOnce(AgentReply reply)
    {
        var files = reply.Files ?? [];
        // A reply of files alone needs no text.
        if (files.Count == 0 || reply.Text.Length > 0) TicketRules.RequireText(reply.Text);
        var before = await Writable();
        await RequireNoNewerMessages(before, reply.ExpectedLastMessageId);
        var now = clock.StoredNow();
        var message = new MessageView(Guid.NewGuid(), MessageAuthor.Agent, reply.Agent.AgentId, reply.Text, now,
            before.Channel == Channel.Api ? Delivery.Webhook : Delivery.Pending, null,
            FileDeliveries.Apply(files, before.Channel == Channel.Api ? Delivery.Webhook : Delivery.Pending, null));

        var after = SlaPolicies.SlaCycle.AgentReplied(before) with { FirstReplyAt = before.FirstReplyAt ?? now, UpdatedAt = now, Version = before.Version + 1 };
        var history = new List<HistoryEntry>();
        if (before.Status == TicketStatus.New)
        {
            after = TicketRules.WithStatus(after, TicketStatus.InProgress, now);
            history.Add(new HistoryEntry(now, reply.Agent, "status", before.Status.Wire(), TicketStatus.InProgress.Wire()));
        }
        // The tags of the canned reply sent join the ticket's in the reply's own transaction: both or neither.
        var tagged = reply.TagIds is { Count: > 0 } tagIds ? await WithTagsAdded(before, tagIds) : null;
        if (tagged is not null) after = after with { Tags = tagged.Tags };
        var team = await TeamFor(after);
        List<TicketEvent> events = [TicketEvents.Of(TicketEventTypes.Replied, after, now, team, message), .. TicketEvents.OfChanges(after, history, team)];
        if (tagged is not null)
        {
            history.Add(tagged.History(before, reply.Agent, now));
            events.Add(tagged.Event(after, now, team));
        }
        // A messenger customer gets the reply from the channel's outbox, queued in this transaction.
        NpgsqlBatchCommand[] send = before.Route is { } route ? [ChannelWrites.Enqueue(route, reply.Text, null, message.Id, before.Id, now)] : [];
        if (files.Count > 0) send = OutgoingFiles.Enqueue(before, reply.Text, files, message.Id, now).ToArray();
        send = [.. send, .. KeyClaim(reply.Key, before, message.Id, now), .. tagged?.Writes(before) ?? []];
        var stored = await Commit(before, after, message, history, events, send, debitsCredit: true) ?? message;
        metrics.Replied(before.Channel);
        if (before.Route is { } sentVia) GrainFactory.GetGrain<IChannelSenderGrain>(sentVia.BotId).Nudge().Ignore();
        return stored;
    }

    public Task<MessageView> AddCustomerMessage(CustomerMessage customerMessage) => Once(customerMessage.Key, () => AddCustomerMessageOnce(customerMessage));

    private async Task<MessageView> AddCustomerMessageOnce(CustomerMessage customerMessage)
    {
        TicketRules.RequireContent(customerMessage.Text, customerMessage.Origin);
        var before = await Current();
        // A chat message that raced a merge still reaches the conversation, now in the survivor.
        if (before.MergedInto is { } survivor && customerMessage.Origin is not null)
            return await GrainFactory.GetGrain<ITicketGrain>(survivor).AddCustomerMessage(customerMessage);
        // A message that did not come through the ticket's messenger is posted by the team's own
        // website or app for its customer: only tickets of the api channel have such customers.
        if (customerMessage.Origin is null && before.Channel != Channel.Api)
            throw DomainException.Conflict($"Ticket #{before.Number} is a {before.Channel.Wire()} conversation: its customer writes in {before.Channel.Wire()}, " +
                "and customer replies can be posted only to website tickets (channel api).");
        return (await CommitCustomerMessages(before, [customerMessage]))[0];
    }

    public async Task AddCustomerMessages(IReadOnlyList<CustomerMessage> customerMessages)
    {
        if (customerMessages.Any(m => m.Origin is null || m.Key is not null))
            throw new ArgumentException("Only a chat's messages, which carry their update and no key, are added together.", nameof(customerMessages));
        foreach (var customerMessage in customerMessages) TicketRules.RequireContent(customerMessage.Text, customerMessage.Origin);
        var before = await Current();
        if (before.MergedInto is { } survivor)
            await GrainFactory.GetGrain<ITicketGrain>(survivor).AddCustomerMessages(customerMessages);
        else if (customerMessages.Count > 0)
            await CommitCustomerMessages(before, customerMessages);
    }

    /// <summary>
    /// The customer's messages, in order, in one transaction: each message with its event and its
    /// update's claim, the status and SLA changes once (a run of messages changes them as its first would).
    /// </summary>
    private async Task<IReadOnlyList<MessageView>> CommitCustomerMessages(TicketView before, IReadOnlyList<CustomerMessage> customerMessages)
    {
        if (before.Status == TicketStatus.Closed)
            throw DomainException.Conflict($"Ticket #{before.Number} is closed; a customer message cannot reopen it. Create a new ticket instead.");
        var now = clock.StoredNow();
        var sentToday = await CustomerMessagesOn(before, now, customerMessages.Count);

        // agent_id of a posted customer message names who posted it (the person or API key).
        var messages = customerMessages.Select(m => new MessageView(Guid.NewGuid(), MessageAuthor.Customer, m.PostedBy?.AgentId, m.Text, now,
            Delivery.Delivered, null, m.Origin?.Attachments ?? [], m.Origin?.ChannelMessageId)).ToList();
        var after = before with { UpdatedAt = now, Version = before.Version + 1 };
        var history = new List<HistoryEntry>();
        if (before.Status == TicketStatus.Waiting)
        {
            after = TicketRules.WithStatus(after, TicketStatus.InProgress, now);
            history.Add(new HistoryEntry(now, Actor.Customer(before.Customer.Id), "status", before.Status.Wire(), TicketStatus.InProgress.Wire()));
        }
        after = await WithSlaAfterCustomerMessage(after, now);
        var team = await TeamFor(after);
        List<TicketEvent> events = [.. messages.Select(m => TicketEvents.Of(TicketEventTypes.CustomerReplied, after, now, team, m)), .. TicketEvents.OfChanges(after, history, team)];
        // The first message is the write's own; the others follow it in the same transaction, in order.
        List<NpgsqlBatchCommand> also = [.. messages.Skip(1).Select(m => TicketWrites.InsertMessage(before.Id, before.ProjectId, m))];
        foreach (var (customerMessage, message) in customerMessages.Zip(messages))
            also.AddRange([.. customerMessage.Origin is { } origin ? ChannelWrites.ForOrigin(origin, before.Id, before.Number, now) : [],
                .. KeyClaim(customerMessage.Key, before, message.Id, now)]);
        await Commit(before, after, messages[0], history, events, also);
        foreach (var message in messages.Skip(1)) Remember(message);
        _customerMessagesToday = (sentToday.Day, sentToday.Count + messages.Count);
        return messages;
    }

    /// <summary>
    /// How many messages the customer sent today (UTC), refusing one more past the daily cap: a
    /// flood is not a conversation, and every message costs memory, storage and agents' attention.
    /// </summary>
    private async Task<(DateOnly Day, int Count)> CustomerMessagesOn(TicketView ticket, DateTimeOffset now, int adding)
    {
        var day = DateOnly.FromDateTime(now.UtcDateTime);
        var midnight = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        if (_customerMessagesToday is not { } counted || counted.Day != day)
            _customerMessagesToday = counted = (day, await store.CustomerMessagesSince(ticket.Id, midnight, CancellationToken.None));
        if (counted.Count + adding > TicketLimits.CustomerMessagesPerDay)
            throw DomainException.TooManyRequests(
                $"Ticket #{ticket.Number} has taken {TicketLimits.CustomerMessagesPerDay} customer messages today; more are refused until 00:00 UTC.",
                midnight.AddDays(1) - now);
        return counted;
    }

    public async Task EditCustomerMessage(CustomerEdit edit)
    {
        await Conversation();
        if ((await Current()).MergedInto is { } survivor)
        {
            await GrainFactory.GetGrain<ITicketGrain>(survivor).EditCustomerMessage(edit);
            return;
        }
        var now = clock.StoredNow();
        var claim = ChannelWrites.ForOrigin(edit.Origin, this.GetPrimaryKey(), null, now).ToList();
        var index = _messages.FindIndex(m => m.Author == MessageAuthor.Customer && m.ChannelMessageId == edit.ChannelMessageId);
        // An edit of an older message than memory keeps is found in the database.
        var edited = index >= 0 ? _messages[index] : await store.Message(this.GetPrimaryKey(), null, edit.ChannelMessageId, CancellationToken.None);
        try
        {
            if (edited is null || edited.Text == edit.Text)
            {
                await store.CommitOnly(claim, CancellationToken.None);
                return;
            }
            await store.EditMessage(edited.Id, edit.Text, edited.Text, now, claim, CancellationToken.None);
        }
        catch (PostgresException e) when (ChannelWrites.IsAlreadyApplied(e))
        {
            throw new UpdateAlreadyApplied(e.MessageText);
        }
        if (index >= 0) _messages[index] = edited with { Text = edit.Text, EditedAt = now };
    }

    public async Task ReplyDelivered(Guid messageId)
    {
        await SetDelivery(messageId, Delivery.Delivered, error: null);
        if (_ticket?.Customer.UnreachableReason is not null) await RefreshCustomer();
    }

    public Task ReplyDeliveryStored(Guid messageId)
    {
        var index = _messages.FindIndex(m => m.Id == messageId);
        if (index >= 0 && _messages[index].Delivery is Delivery.Webhook or Delivery.Failed)
            _messages[index] = _messages[index] with { Delivery = Delivery.Delivered, DeliveryError = null };
        return Task.CompletedTask;
    }

    public async Task ReplyUndelivered(Guid messageId, string error)
    {
        await SetDelivery(messageId, Delivery.Failed, error);
        await RefreshCustomer();
    }

    /// <summary>The channel sender marks customers (un)reachable; the ticket shows it from then on.</summary>
    private async Task RefreshCustomer()
    {
        if (_ticket is not { } ticket) return;
        var customer = await store.Customer(ticket.Customer.Id, CancellationToken.None);
        if (customer is not null) _ticket = ticket with { Customer = customer };
    }

    /// <summary>
    /// Only a reply still on its way changes: a delivered one stays delivered. A reply with files
    /// records its files' states each time (a file sent after another failed shows delivered).
    /// </summary>
    private async Task SetDelivery(Guid messageId, Delivery delivery, string? error)
    {
        var ticket = await Current();
        var index = _messages.FindIndex(m => m.Id == messageId);
        // A reply older than memory keeps (many messages came after it) is read from the database.
        var reply = index >= 0 ? _messages[index] : await store.Message(ticket.Id, messageId, null, CancellationToken.None);
        if (reply is null || reply.Delivery is not (Delivery.Webhook or Delivery.Pending or Delivery.Failed)) return;
        var files = reply.Attachments ?? [];
        if (reply.Delivery == delivery && reply.DeliveryError == error && files.All(f => f.StoredId is null)) return;
        var states = await store.SetDelivery(messageId, delivery, error, CancellationToken.None);
        if (index >= 0) _messages[index] = reply with { Delivery = delivery, DeliveryError = error, Attachments = FileDeliveries.Apply(files, delivery, states) };
    }

    /// <summary>
    /// One transaction for the whole change, then memory, then a nudge to the webhook
    /// dispatcher. Returns the stored message as it ended up (a website reply with no endpoint
    /// to carry it is failed at once).
    /// </summary>
    private async Task<MessageView?> Commit(TicketView before, TicketView after, MessageView? message, List<HistoryEntry> history,
        List<TicketEvent> events, IReadOnlyList<NpgsqlBatchCommand>? also = null, bool debitsCredit = false,
        IReadOnlyList<NpgsqlBatchCommand>? guards = null)
    {
        // CSAT: a close sends the survey and a reopen withdraws it, in this same transaction.
        var survey = await SurveyOnStatusChange(before, after);
        after = survey.After;
        events = [.. events, .. survey.Events];
        also = [.. also ?? [], .. survey.Writes];
        if (after.CsatRequestedAt != before.CsatRequestedAt || after.Csat != before.Csat) also = [.. also, Zapnoty.Grains.Csat.CsatWrites.Save(after)];
        // Reports: the business-hours durations this change completes, in this same transaction.
        after = await WithReportTimes(before, after);
        if (ReportTimesChanged(before, after)) also = [.. also, SaveReportTimes(after)];
        SavedTicket? saved;
        try
        {
            saved = await store.Save(new TicketWrite(after, before.Version, message, history, events, also, debitsCredit, guards), CancellationToken.None);
        }
        catch (PostgresException e) when (ChannelWrites.IsAlreadyApplied(e))
        {
            throw new UpdateAlreadyApplied(e.MessageText);
        }
        catch (PostgresException e) when (Billing.Credits.IsOutOfCredits(e))
        {
            throw Billing.Credits.OutOfCredits();
        }
        if (saved is null)
        {
            log.LogWarning("Ticket {TicketId} was written elsewhere (version {Version} is stale); reloading", before.Id, before.Version);
            await Reload(CancellationToken.None);
            throw DomainException.Conflict(ChangedElsewhere);
        }
        if (message is not null && saved.ReplyUndeliverable)
            message = message with { Delivery = Delivery.Failed, DeliveryError = OutboxWrites.NoEndpointError };
        _ticket = after;
        if (message is not null) Remember(message);
        _history.AddRange(history);
        NudgeAssignment(before, after);
        await ArmSlaAfterCommit();
        await ArmRulesAfterCommit();
        if (saved.Deliveries > 0) GrainFactory.GetGrain<IWebhookDispatcherGrain>(after.ProjectId).Nudge().Ignore();
        if (events.Count > 0) GrainFactory.GetGrain<Live.ILiveHubGrain>(after.ProjectId).Changed().Ignore();
        if (survey.Nudge is { } surveyed) GrainFactory.GetGrain<IChannelSenderGrain>(surveyed.BotId).Nudge().Ignore();
        return message;
    }

    /// <summary>Names the assignee in event payloads; asks the project only when there is one.</summary>
    private async Task<TeamDirectory> TeamFor(TicketView ticket) =>
        ticket.AssigneeId is null ? TeamDirectory.Empty : await TeamDirectory.Of(GrainFactory, ticket.ProjectId);

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
        _hasEarlierMessages = details?.HasEarlierMessages ?? false;
        _history = details?.History.ToList() ?? [];
        _customerMessagesToday = null;
        _conversationUnread = false;
    }

    private void Remember(MessageView message)
    {
        _messages.Add(message);
        if (_messages.Count <= TicketLimits.RecentMessages) return;
        _messages.RemoveRange(0, _messages.Count - TicketLimits.RecentMessages);
        _hasEarlierMessages = true;
    }
}
