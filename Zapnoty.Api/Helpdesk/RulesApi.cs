using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Zapnoty.Api.Access;
using Zapnoty.Api.Problems;
using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Rules;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Api.Helpdesk;

/// <summary>
/// When a rule fires. <c>type</c>: <c>sla_warning</c> (the SLA <c>target</c> —
/// <c>first_reply</c> or <c>resolution</c> — is <c>minutes_before</c> from its due time, not
/// met nor breached), <c>sla_breached</c> (the <c>target</c>'s breach is recorded and it is
/// still not met) or <c>waiting_on_customer</c> (the ticket has been <c>waiting</c> for
/// <c>after_minutes</c>; a day is 1440). Minutes may be fractional (0.5 is 30 seconds).
/// </summary>
public sealed record RuleTriggerDto(string? Type, string? Target = null, decimal? MinutesBefore = null, decimal? AfterMinutes = null)
{
    public static RuleTriggerDto From(RuleTrigger t) => t.Type == RuleTriggers.WaitingOnCustomer
        ? new(t.Type, t.Target, null, t.Minutes)
        : new(t.Type, t.Target, t.Minutes, null);
}

/// <summary>Only tickets of this <c>priority</c> and/or this <c>type_id</c>; none: every ticket.</summary>
public sealed record RuleConditionsDto(TicketPriority? Priority = null, Guid? TypeId = null);

/// <summary>
/// One thing the rule does. <c>type</c>: <c>notify</c> (<c>to</c>: <c>assignee</c>, <c>role</c>
/// with <c>role</c> — that role or above — or <c>person</c> with <c>user_id</c>; in-app, and email
/// while they are away), <c>set_priority</c> (<c>priority</c>), <c>assign</c> (<c>user_id</c>),
/// <c>unassign</c>, <c>add_tag</c> (<c>tag_id</c>), <c>message</c> (<c>text</c> to the customer,
/// one credit as a reply) or <c>close</c> (with an optional last <c>text</c>).
/// </summary>
public sealed record RuleActionDto(
    string? Type, string? To = null, ProjectRole? Role = null, Guid? UserId = null, TicketPriority? Priority = null, Guid? TagId = null,
    string? Text = null)
{
    public static RuleActionDto From(RuleAction a) => new(a.Type, a.To, a.Role, a.UserId, a.Priority, a.TagId, a.Text);
}

/// <summary>A new rule (<c>name</c> and <c>trigger</c> required; <c>enabled</c> defaults to true), or on PATCH the fields to change.</summary>
public sealed record RuleRequest(string? Name, bool? Enabled, RuleTriggerDto? Trigger, RuleConditionsDto? Conditions, IReadOnlyList<RuleActionDto>? Actions);

public sealed record RuleDto(
    Guid Id, string Name, bool Enabled, RuleTriggerDto Trigger, RuleConditionsDto Conditions, IReadOnlyList<RuleActionDto> Actions,
    DateTime CreatedAt, DateTime UpdatedAt)
{
    public static RuleDto From(RuleView r) => new(r.Id, r.Name, r.Enabled, RuleTriggerDto.From(r.Trigger),
        new RuleConditionsDto(r.Conditions.Priority, r.Conditions.TypeId), r.Actions.Select(RuleActionDto.From).ToList(),
        r.CreatedAt.UtcDateTime, r.UpdatedAt.UtcDateTime);
}

public static class RulesApi
{
    public static RouteGroupBuilder MapRulesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/projects/{projectId:guid}/helpdesk/rules").WithTags("Rules").WithProjectAccess();
        api.MapGet("/", List).RequireRole(ProjectRole.Support);
        api.MapPost("/", Add).RequireRole(ProjectRole.Admin).ProducesProblems(StatusCodes.Status422UnprocessableEntity);
        api.MapPatch("/{ruleId:guid}", Change).RequireRole(ProjectRole.Admin).ProducesProblems(StatusCodes.Status422UnprocessableEntity);
        api.MapDelete("/{ruleId:guid}", Remove).RequireRole(ProjectRole.Admin);
        return api;
    }

    /// <summary>The project's rules, oldest first (the order they fire in when several are due at once); at most 50.</summary>
    private static async Task<Ok<Page<RuleDto>>> List(Guid projectId, IGrainFactory grains) =>
        TypedResults.Ok(new Page<RuleDto>((await grains.GetGrain<IRulesGrain>(projectId).List()).Select(RuleDto.From).ToList(), null));

    /// <summary>
    /// A new rule. Each firing (once per ticket and cycle: a due time, a breach, a wait) is one
    /// transaction: a <c>rule</c> history entry with the rule's name, each action's own entry and
    /// webhook event, all by actor <c>{ kind: "system", id: rule id }</c> and with <c>rule</c> in the events.
    /// An unknown trigger, target, action, person, tag or type, more than 50 rules or 10 actions: 422.
    /// </summary>
    private static async Task<Created<RuleDto>> Add(Guid projectId, RuleRequest body, Caller caller, IGrainFactory grains)
    {
        new Validation().Required(body.Name, "name").Required(body.Trigger, "trigger").ThrowIfAny();
        var rule = await grains.GetGrain<IRulesGrain>(projectId).Add(caller.Actor, Draft(body));
        return TypedResults.Created($"/v1/projects/{projectId}/helpdesk/rules/{rule.Id}", RuleDto.From(rule));
    }

    /// <summary>Changes the fields given (<c>conditions</c> and <c>actions</c> are replaced whole); the rule is validated again as a whole.</summary>
    private static async Task<Ok<RuleDto>> Change(Guid projectId, Guid ruleId, RuleRequest body, Caller caller, IGrainFactory grains) =>
        TypedResults.Ok(RuleDto.From(await grains.GetGrain<IRulesGrain>(projectId).Change(caller.Actor, ruleId, Draft(body))));

    /// <summary>Deletes the rule; tickets keep the history of what it did.</summary>
    private static async Task<NoContent> Remove(Guid projectId, Guid ruleId, Caller caller, IGrainFactory grains)
    {
        await grains.GetGrain<IRulesGrain>(projectId).Remove(caller.Actor, ruleId);
        return TypedResults.NoContent();
    }

    private static RuleDraft Draft(RuleRequest body)
    {
        var validation = new Validation();
        if (body.Trigger is { } t)
        {
            validation.Required(t.Type, "trigger.type");
            if (t.Type == RuleTriggers.WaitingOnCustomer && t.MinutesBefore is not null)
                validation.Add("trigger.minutes_before", "A waiting_on_customer trigger takes after_minutes.");
            if (t.Type != RuleTriggers.WaitingOnCustomer && t.AfterMinutes is not null)
                validation.Add("trigger.after_minutes", "Only a waiting_on_customer trigger takes after_minutes; an sla_warning takes minutes_before.");
        }
        for (var i = 0; i < (body.Actions?.Count ?? 0); i++)
            if (body.Actions![i] is null) validation.Add($"actions[{i}]", "An action is an object with a type.");
            else validation.Required(body.Actions[i].Type, $"actions[{i}].type");
        validation.ThrowIfAny();
        return new RuleDraft(
            body.Name,
            body.Enabled,
            body.Trigger is { } trigger
                ? new RuleTrigger(trigger.Type!, trigger.Target, trigger.Type == RuleTriggers.WaitingOnCustomer ? trigger.AfterMinutes : trigger.MinutesBefore)
                : null,
            body.Conditions is { } c ? new RuleConditions(c.Priority, c.TypeId) : null,
            body.Actions?.Select(a => new RuleAction(a.Type!, a.To, a.Role, a.UserId, a.Priority, a.TagId, a.Text)).ToList());
    }
}
