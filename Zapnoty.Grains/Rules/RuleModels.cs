using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Rules;

/// <summary>
/// When a rule fires. <see cref="Type"/> is one of <see cref="RuleTriggers"/>; <see cref="Target"/>
/// names the SLA target of the SLA triggers (<see cref="RuleTargets"/>); <see cref="Minutes"/> is
/// how long before the target's due time a warning fires, or how long a ticket must have been
/// waiting on the customer (fractional minutes are fine: 0.05 is 3 seconds).
/// </summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Rules.RuleTrigger")]
public sealed record RuleTrigger([property: Id(0)] string Type, [property: Id(1)] string? Target = null, [property: Id(2)] decimal? Minutes = null);

/// <summary>Which tickets a rule applies to: all of them, or only those of a priority and/or a type.</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Rules.RuleConditions")]
public sealed record RuleConditions([property: Id(0)] TicketPriority? Priority = null, [property: Id(1)] Guid? TypeId = null)
{
    public static readonly RuleConditions Any = new();

    public bool Match(TicketView ticket) =>
        (Priority is null || Priority == ticket.Priority) && (TypeId is null || TypeId == ticket.TypeId);
}

/// <summary>
/// One thing a rule does. <see cref="Type"/> is one of <see cref="RuleActionTypes"/>; the other
/// fields are those the type needs (a notify's <see cref="To"/> with its <see cref="Role"/> or
/// <see cref="UserId"/>, an assign's <see cref="UserId"/>, a tag, a priority, a message's text).
/// </summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Rules.RuleAction")]
public sealed record RuleAction(
    [property: Id(0)] string Type,
    [property: Id(1)] string? To = null,
    [property: Id(2)] ProjectRole? Role = null,
    [property: Id(3)] Guid? UserId = null,
    [property: Id(4)] TicketPriority? Priority = null,
    [property: Id(5)] Guid? TagId = null,
    [property: Id(6)] string? Text = null);

/// <summary>An escalation or automation rule of a project.</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Rules.RuleView")]
public sealed record RuleView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Name,
    [property: Id(2)] bool Enabled,
    [property: Id(3)] RuleTrigger Trigger,
    [property: Id(4)] RuleConditions Conditions,
    [property: Id(5)] IReadOnlyList<RuleAction> Actions,
    [property: Id(6)] DateTimeOffset CreatedAt,
    [property: Id(7)] DateTimeOffset UpdatedAt);

/// <summary>A new rule, or a change of one: on a change only what is not null changes.</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Rules.RuleDraft")]
public sealed record RuleDraft(
    [property: Id(0)] string? Name = null,
    [property: Id(1)] bool? Enabled = null,
    [property: Id(2)] RuleTrigger? Trigger = null,
    [property: Id(3)] RuleConditions? Conditions = null,
    [property: Id(4)] IReadOnlyList<RuleAction>? Actions = null);

/// <summary>The trigger types.</summary>
public static class RuleTriggers
{
    /// <summary>An SLA target is <c>minutes</c> from its due time, not yet met nor breached.</summary>
    public const string SlaWarning = "sla_warning";

    /// <summary>An SLA target was breached (recorded) and is still not met.</summary>
    public const string SlaBreached = "sla_breached";

    /// <summary>The ticket has been <c>waiting</c> (on the customer) for <c>minutes</c>.</summary>
    public const string WaitingOnCustomer = "waiting_on_customer";

    public static readonly IReadOnlyList<string> All = [SlaWarning, SlaBreached, WaitingOnCustomer];
}

/// <summary>
/// The SLA targets a trigger can watch, by wire name. A target joins this list when tickets carry
/// its due time (<see cref="RuleMoments.Targets"/> reads them); rules name targets as strings so
/// a new one needs no change of the API's shape.
/// </summary>
public static class RuleTargets
{
    public static readonly IReadOnlyList<string> All = [SlaBreach.FirstReply, SlaBreach.Resolution, SlaBreach.NextReply];
}

/// <summary>The action types.</summary>
public static class RuleActionTypes
{
    /// <summary>In-app notification (and email while away) to the assignee, every member of a role or above, or a person.</summary>
    public const string Notify = "notify";
    public const string SetPriority = "set_priority";
    public const string Assign = "assign";
    public const string Unassign = "unassign";
    public const string AddTag = "add_tag";
    /// <summary>A message to the customer through the ticket's channel; costs a credit, as a reply does.</summary>
    public const string Message = "message";
    /// <summary>Closes the ticket, with an optional last message to the customer (a credit when there is one).</summary>
    public const string Close = "close";

    public static readonly IReadOnlyList<string> All = [Notify, SetPriority, Assign, Unassign, AddTag, Message, Close];
}

/// <summary>Whom a notify action tells.</summary>
public static class RuleRecipients
{
    public const string Assignee = "assignee";
    public const string Role = "role";
    public const string Person = "person";

    public static readonly IReadOnlyList<string> All = [Assignee, Role, Person];
}

public static class RuleLimits
{
    /// <summary>Rules per project: every ticket command of the project reads them all.</summary>
    public const int MaxPerProject = 50;

    public const int MaxActions = 10;

    public const int MaxNameLength = TicketLimits.MaxNameLength;

    /// <summary>A year: a longer wait or warning is a mistake.</summary>
    public const decimal MaxMinutes = 525_600;
}

/// <summary>What a rule's management writes to the audit log.</summary>
public static class RuleAuditActions
{
    public const string Created = "rule.created";
    public const string Changed = "rule.changed";
    public const string Deleted = "rule.deleted";
}
