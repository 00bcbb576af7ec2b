using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Tags;
using Zapnoty.Grains.Team;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Rules;

/// <summary>
/// Checks a whole rule before it is stored: its shape (Invalid, 400) and what it names — trigger,
/// target, action, tag, person, ticket type — against the project as it is now (Unprocessable, 422).
/// Things named can go away later (a person leaves, a tag is archived): a firing skips such an
/// action and says so in the ticket's history.
/// </summary>
public static class RuleValidation
{
    public static async Task<RuleView> Checked(IGrainFactory grains, Guid projectId, RuleView rule)
    {
        var name = rule.Name.Trim();
        if (name.Length == 0) throw DomainException.Invalid("name", "A rule name is required.");
        if (name.Length > RuleLimits.MaxNameLength)
            throw DomainException.Invalid("name", $"A rule name must be at most {RuleLimits.MaxNameLength} characters (got {name.Length}).");
        if (!OneLineText.IsSafe(name))
            throw DomainException.Invalid("name", "A rule name must be one line of text, without control or invisible formatting characters.");

        Trigger(rule.Trigger);
        var project = grains.GetGrain<IProjectGrain>(projectId);
        if (rule.Conditions.TypeId is { } typeId && await project.FindTicketType(typeId) is not { Archived: false })
            throw DomainException.Unprocessable($"Ticket type {typeId} does not exist in this project.", "conditions.type_id");
        await Actions(grains, projectId, rule);
        return rule with { Name = name };
    }

    private static void Trigger(RuleTrigger trigger)
    {
        if (!RuleTriggers.All.Contains(trigger.Type))
            throw DomainException.Unprocessable($"Unknown trigger type '{trigger.Type}'; one of: {string.Join(", ", RuleTriggers.All)}.", "trigger.type");
        var isSla = trigger.Type is RuleTriggers.SlaWarning or RuleTriggers.SlaBreached;
        if (isSla && !RuleTargets.All.Contains(trigger.Target ?? ""))
            throw DomainException.Unprocessable($"Unknown SLA target '{trigger.Target}'; one of: {string.Join(", ", RuleTargets.All)}.", "trigger.target");
        if (!isSla && trigger.Target is not null)
            throw DomainException.Invalid("trigger.target", $"A {trigger.Type} trigger has no target.");
        var field = trigger.Type == RuleTriggers.SlaWarning ? "trigger.minutes_before" : "trigger.after_minutes";
        if (trigger.Type == RuleTriggers.SlaBreached)
        {
            if (trigger.Minutes is not null) throw DomainException.Invalid("trigger.minutes_before", "An sla_breached trigger fires at the breach; it takes no minutes.");
        }
        else if (trigger.Minutes is not { } minutes || minutes <= 0 || minutes > RuleLimits.MaxMinutes)
            throw DomainException.Invalid(field, $"{field} must be a number of minutes above 0 and at most {RuleLimits.MaxMinutes} (a day is 1440).");
    }

    private static async Task Actions(IGrainFactory grains, Guid projectId, RuleView rule)
    {
        var actions = rule.Actions;
        if (actions.Count > RuleLimits.MaxActions)
            throw DomainException.Unprocessable($"A rule can have at most {RuleLimits.MaxActions} actions (got {actions.Count}).", "actions");
        // A warning rule's own effect is the ticket.sla_warning webhook; other rules must do something.
        if (actions.Count == 0 && rule.Trigger.Type != RuleTriggers.SlaWarning)
            throw DomainException.Invalid("actions", "A rule needs at least one action (only an sla_warning rule may have none: it sends ticket.sla_warning).");
        if (actions.Count(a => a.Type == RuleActionTypes.Message || a is { Type: RuleActionTypes.Close, Text: not null }) > 1)
            throw DomainException.Unprocessable("A rule sends the customer at most one message (a message action, or a close with text).", "actions");
        if (actions.Count(a => a.Type is RuleActionTypes.Assign or RuleActionTypes.Unassign) > 1
            || actions.Count(a => a.Type == RuleActionTypes.SetPriority) > 1)
            throw DomainException.Unprocessable("A rule sets the priority and the assignee at most once each.", "actions");

        IReadOnlyList<MemberView>? members = null;
        IReadOnlyList<TagView>? tags = null;
        for (var i = 0; i < actions.Count; i++)
        {
            var a = actions[i];
            var at = $"actions[{i}]";
            switch (a.Type)
            {
                case RuleActionTypes.Notify:
                    if (!RuleRecipients.All.Contains(a.To ?? ""))
                        throw DomainException.Unprocessable($"Unknown recipient '{a.To}'; one of: {string.Join(", ", RuleRecipients.All)}.", $"{at}.to");
                    if (a.To == RuleRecipients.Role && a.Role is null) throw DomainException.Invalid($"{at}.role", "A notify to a role names the role.");
                    if (a.To == RuleRecipients.Person)
                    {
                        members ??= await grains.GetGrain<IProjectGrain>(projectId).ListMembers(includeRemoved: false);
                        RequireMember(members, a.UserId, ProjectRole.Viewer, $"{at}.user_id");
                    }
                    break;
                case RuleActionTypes.SetPriority:
                    if (a.Priority is null) throw DomainException.Invalid($"{at}.priority", "A set_priority action names the priority.");
                    break;
                case RuleActionTypes.Assign:
                    members ??= await grains.GetGrain<IProjectGrain>(projectId).ListMembers(includeRemoved: false);
                    RequireMember(members, a.UserId, ProjectRole.Support, $"{at}.user_id");
                    break;
                case RuleActionTypes.AddTag:
                    tags ??= await grains.GetGrain<ITagsGrain>(projectId).List(includeArchived: false);
                    if (a.TagId is not { } tagId) throw DomainException.Invalid($"{at}.tag_id", "An add_tag action names the tag.");
                    if (tags.All(t => t.Id != tagId)) throw DomainException.Unprocessable($"Tag {tagId} does not exist in this project.", $"{at}.tag_id");
                    break;
                case RuleActionTypes.Message:
                    TicketRules.RequireText(a.Text, $"{at}.text");
                    break;
                case RuleActionTypes.Close:
                    if (a.Text is not null) TicketRules.RequireText(a.Text, $"{at}.text");
                    break;
                case RuleActionTypes.Unassign:
                    break;
                default:
                    throw DomainException.Unprocessable($"Unknown action type '{a.Type}'; one of: {string.Join(", ", RuleActionTypes.All)}.", $"{at}.type");
            }
        }
    }

    private static void RequireMember(IReadOnlyList<MemberView> members, Guid? userId, ProjectRole least, string field)
    {
        if (userId is not { } id) throw DomainException.Invalid(field, "The action names the person (user_id).");
        if (!members.Any(m => m.UserId == id && m.Active && m.Role >= least))
            throw DomainException.Unprocessable(least == ProjectRole.Support
                ? $"User {id} is not a member of this project with the support role or above."
                : $"User {id} is not a member of this project.", field);
    }
}
