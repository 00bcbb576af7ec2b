using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Runtime;
using Zapnoty.Grains.Channels;
using Zapnoty.Grains.Notifications;
using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Rules;
using Zapnoty.Grains.Storage;
using Zapnoty.Grains.Tags;
using Zapnoty.Grains.Team;
using Zapnoty.Grains.Webhooks;

namespace Zapnoty.Grains.Tickets;

/// <summary>
/// Escalation and automation rules, evaluated here, by the grain that owns the ticket: a second
/// reminder ("rules") set for the earliest moment a rule is due, and each firing committed with
/// its record in <c>rule_firings</c> (a guard of the same transaction), so a rule acts at most once
/// per ticket and cycle however often, and on however many activations, it is checked.
/// </summary>
public sealed partial class TicketGrain
{
    public const string RulesReminder = "rules";

    // The (rule, cycle) pairs that fired on this ticket, read on first need.
    private HashSet<(Guid Rule, DateTimeOffset Cycle)>? _fired;

    // What the rules reminder is set for, once this activation knows (null: no reminder).
    private (bool Known, DateTimeOffset? At) _rulesArmed;

    private RuleStore RuleRows => ServiceProvider.GetRequiredService<RuleStore>();

    public async Task CheckRules()
    {
        var ticket = await Current();
        var rules = await GrainFactory.GetGrain<IRulesGrain>(ticket.ProjectId).List();
        // The rules' moments are counted from the history.
        if (rules.Count > 0) await Conversation();
        foreach (var rule in rules)
        {
            var now = clock.StoredNow();
            if (_ticket is not { } current || RuleMoments.Of(rule, current, _history) is not { } moment || moment.At > now) continue;
            _fired ??= await RuleRows.Firings(current.Id, CancellationToken.None);
            if (_fired.Contains((rule.Id, moment.Cycle))) continue;
            try
            {
                await FireWithOrWithoutMessage(rule, current, moment, now);
            }
            catch (DomainException e) when (e.Kind == DomainErrorKind.Conflict)
            {
                // Fired by another activation, or the ticket changed at the same moment: Commit reloaded
                // the ticket; the next tick decides again on what is stored.
                log.LogInformation("Rule {RuleId} on ticket {TicketId} not fired: {Reason}", rule.Id, current.Id, e.Message);
                _fired = await RuleRows.Firings(current.Id, CancellationToken.None);
            }
        }
        _rulesArmed = default;
        await ArmRules(rules);
    }

    private async Task FireWithOrWithoutMessage(RuleView rule, TicketView before, RuleMoment moment, DateTimeOffset now)
    {
        try
        {
            await Fire(rule, before, moment, now, sendsMessage: true);
        }
        catch (DomainException e) when (e.Kind == DomainErrorKind.PaymentRequired)
        {
            // Out of credits: the rule still acts, without its message, and the history says so.
            await Fire(rule, before, moment, clock.StoredNow(), sendsMessage: false);
        }
    }

    private async Task Fire(RuleView rule, TicketView before, RuleMoment moment, DateTimeOffset now, bool sendsMessage)
    {
        var actor = new Actor(ActorKind.System, rule.Id.ToString());
        var members = await GrainFactory.GetGrain<IProjectGrain>(before.ProjectId).ListMembers(includeRemoved: true);
        var team = new TeamDirectory(members);
        var active = members.Where(m => m is { Active: true, UserId: not null }).ToList();
        var after = before with { UpdatedAt = now, Version = before.Version + 1 };
        List<HistoryEntry> history = [new(now, actor, "rule", Label(rule.Trigger), rule.Name)];
        List<NpgsqlBatchCommand> also = [];
        var notified = new HashSet<Guid>();
        var addedTags = new List<TicketTag>();
        MessageView? message = null;

        void Skip(RuleAction action, string reason) => history.Add(new(now, actor, "rule_skipped", action.Type, reason));

        foreach (var action in rule.Actions)
        {
            switch (action.Type)
            {
                case RuleActionTypes.Notify:
                    var to = Recipients(action, after, active);
                    if (to.Count == 0) { Skip(action, "nobody to notify"); break; }
                    also.Add(NotificationWrites.Insert(to, NotificationKinds.Rule, before.ProjectId, before.Id, null, actor, now));
                    notified.UnionWith(to);
                    history.Add(new(now, actor, "notified", null, string.Join(",", to)));
                    break;
                case RuleActionTypes.SetPriority when action.Priority is { } priority && priority != after.Priority:
                    history.Add(new(now, actor, "priority", after.Priority.Wire(), priority.Wire()));
                    after = after with { Priority = priority };
                    break;
                case RuleActionTypes.Assign when action.UserId != after.AssigneeId:
                    if (!active.Any(m => m.UserId == action.UserId && m.Role >= ProjectRole.Support)) { Skip(action, "not a member with the support role or above"); break; }
                    history.Add(new(now, actor, "assignee_id", after.AssigneeId?.ToString(), action.UserId?.ToString()));
                    after = after with { AssigneeId = action.UserId };
                    break;
                case RuleActionTypes.Unassign when after.AssigneeId is not null:
                    history.Add(new(now, actor, "assignee_id", after.AssigneeId?.ToString(), null));
                    after = after with { AssigneeId = null };
                    break;
                case RuleActionTypes.AddTag when action.TagId is { } tagId && (after.Tags ?? []).All(t => t.Id != tagId):
                    var tag = (await TagRows.Find(before.ProjectId, [tagId], CancellationToken.None)).FirstOrDefault(t => !t.Archived);
                    if (tag is null) { Skip(action, "the tag was deleted or archived"); break; }
                    if ((after.Tags?.Count ?? 0) >= TagLimits.MaxPerTicket) { Skip(action, $"the ticket has {TagLimits.MaxPerTicket} tags"); break; }
                    var added = new TicketTag(tag.Id, tag.Name, tag.Color, false);
                    addedTags.Add(added);
                    after = after with { Tags = [.. after.Tags ?? Array.Empty<TicketTag>(), added] };
                    break;
                case RuleActionTypes.Message or RuleActionTypes.Close when action.Text is { } text:
                    if (sendsMessage) message = RuleMessage(before, text, now);
                    else Skip(action, "message not sent: the project is out of credits");
                    if (action.Type == RuleActionTypes.Close) after = Closed(after, actor, now, history);
                    break;
                case RuleActionTypes.Close:
                    after = Closed(after, actor, now, history);
                    break;
            }
        }

        List<TicketEvent> events = [];
        if (rule.Trigger.Type == RuleTriggers.SlaWarning) events.Add(RuleEvents.Warning(after, now, team, rule, moment));
        if (message is not null) events.Add(TicketEvents.Of(TicketEventTypes.Replied, after, now, team, message));
        events.AddRange(TicketEvents.OfChanges(after, history, team));
        if (addedTags.Count > 0)
        {
            history.Add(new(now, actor, "tags", TicketTags.HistoryValue(before.Tags ?? []), TicketTags.HistoryValue(after.Tags ?? [])));
            also.AddRange(TicketTags.Replace(before.Id, before.Number, (after.Tags ?? []).Select(t => t.Id).ToList()));
            events.Add(TicketTags.Changed(after, now, team, addedTags, []));
        }
        if (message is not null && before.Route is { } route) also.Add(ChannelWrites.Enqueue(route, message.Text, null, message.Id, before.Id, now));
        var notice = AssignmentNotice(before, after, actor, now);
        also.AddRange(notice.Writes);

        await Commit(before, after, message, history, RuleEvents.Tagged(events, rule), also, debitsCredit: message is not null,
            guards: [RuleStore.Fire(rule.Id, before.Id, moment.Cycle, now)]);
        _fired!.Add((rule.Id, moment.Cycle));
        log.LogInformation("Rule {RuleId} fired on ticket {TicketId} ({Trigger})", rule.Id, before.Id, rule.Trigger.Type);
        GrainFactory.Nudge(notified.Union(notice.People));
        if (message is not null && before.Route is { } sentVia) GrainFactory.GetGrain<IChannelSenderGrain>(sentVia.BotId).Nudge().Ignore();
    }

    /// <summary>
    /// A rule's message to the customer: authored by the system (no agent wrote it, so it does not
    /// count as the first reply), delivered as replies are, and paid for with a credit as they are.
    /// </summary>
    private static MessageView RuleMessage(TicketView ticket, string text, DateTimeOffset now) =>
        new(Guid.NewGuid(), MessageAuthor.System, null, text, now, ticket.Channel == Channel.Api ? Delivery.Webhook : Delivery.Pending, null);

    private static TicketView Closed(TicketView ticket, Actor actor, DateTimeOffset now, List<HistoryEntry> history)
    {
        if (ticket.Status == TicketStatus.Closed) return ticket;
        history.Add(new(now, actor, "status", ticket.Status.Wire(), TicketStatus.Closed.Wire()));
        return TicketRules.WithStatus(ticket, TicketStatus.Closed, now);
    }

    /// <summary>The active members a notify action reaches: the assignee, everyone of a role or above, or one person.</summary>
    private static List<Guid> Recipients(RuleAction action, TicketView ticket, List<MemberView> active) => (action.To switch
    {
        RuleRecipients.Assignee => active.Where(m => m.UserId == ticket.AssigneeId),
        RuleRecipients.Role => active.Where(m => m.Role >= action.Role),
        RuleRecipients.Person => active.Where(m => m.UserId == action.UserId),
        _ => Enumerable.Empty<MemberView>(),
    }).Select(m => m.UserId!.Value).Distinct().ToList();

    /// <summary>What fired, as the history's <c>rule</c> entry says: <c>sla_warning:first_reply</c>, <c>waiting_on_customer</c>.</summary>
    private static string Label(RuleTrigger trigger) => trigger.Target is null ? trigger.Type : $"{trigger.Type}:{trigger.Target}";

    /// <summary>
    /// Keeps one rules reminder while a rule can still fire on the ticket, set for the earliest
    /// moment one is due; none when none can. A project without rules costs one read of its
    /// (in-memory) list per command and no reminder.
    /// </summary>
    private async Task ArmRules(IReadOnlyList<RuleView>? rules = null)
    {
        if (_ticket is not { } ticket) return;
        rules ??= await GrainFactory.GetGrain<IRulesGrain>(ticket.ProjectId).List();
        // Never set by this activation: a reminder left from an earlier one ticks, finds nothing and goes.
        if (rules.Count == 0 && !_rulesArmed.Known) return;
        if (rules.Count > 0)
        {
            await Conversation();
            ticket = _ticket ?? ticket;
        }
        var pending = rules.Select(r => (Rule: r, Moment: RuleMoments.Of(r, ticket, _history))).Where(p => p.Moment is not null).ToList();
        if (pending.Count > 0) _fired ??= await RuleRows.Firings(ticket.Id, CancellationToken.None);
        var next = pending.Where(p => !_fired!.Contains((p.Rule.Id, p.Moment!.Value.Cycle))).Select(p => (DateTimeOffset?)p.Moment!.Value.At).Min();
        if (_rulesArmed.Known && _rulesArmed.At == next) return;
        if (next is { } due)
        {
            var wait = due - clock.GetUtcNow();
            await this.RegisterOrUpdateReminder(RulesReminder, wait > TimeSpan.FromSeconds(1) ? wait : TimeSpan.FromSeconds(1), slaOptions.Value.ReminderPeriod);
        }
        else if (await this.GetReminder(RulesReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
        _rulesArmed = (true, next);
    }

    /// <summary>
    /// As <see cref="ArmSlaAfterCommit"/>: the change is committed, so no failure here (the rules
    /// grain, the firings read, the reminder table) may turn it into an error the client would
    /// retry; a reminder not moved is the sweeper's to catch.
    /// </summary>
    private async Task ArmRulesAfterCommit()
    {
        try
        {
            await ArmRules();
        }
        catch (Exception e)
        {
            log.LogWarning(e, "Rules reminder of ticket {TicketId} not moved after a committed change; the rule sweeper catches up", _ticket?.Id);
        }
    }
}
