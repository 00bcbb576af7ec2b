using Zapnoty.Grains.Calendars;
using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.SlaPolicies;

/// <summary>
/// SLA targets for tickets of one priority (and, when <see cref="TypeId"/> is set, one ticket
/// type), in minutes; null switches a target off. <see cref="BusinessHours"/>: the minutes are
/// counted in the project's calendar (around the clock while it has none).
/// <see cref="PauseWhileWaiting"/>: the resolution clock stops while the ticket is waiting.
/// A ticket keeps the policy it runs under, so this is also stored on tickets.
/// </summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.SlaPolicies.SlaPolicy")]
public sealed record SlaPolicy(
    [property: Id(0)] TicketPriority Priority,
    [property: Id(1)] Guid? TypeId,
    [property: Id(2)] int? FirstReplyMinutes,
    [property: Id(3)] int? NextReplyMinutes,
    [property: Id(4)] int? ResolveMinutes,
    [property: Id(5)] bool BusinessHours,
    [property: Id(6)] bool PauseWhileWaiting)
{
    /// <summary>How the ticket history names the policy: <c>high</c>, or <c>high/{type_id}</c>.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string Label => TypeId is { } type ? $"{Priority.Wire()}/{type}" : Priority.Wire();

    /// <summary>How the history names the targets of the project settings, when no policy applies.</summary>
    public const string SettingsLabel = "project_settings";
}

/// <summary>What a ticket needs to know to run its SLA: the project's policies and its calendar.</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.SlaPolicies.SlaSetup")]
public sealed record SlaSetup(
    [property: Id(0)] IReadOnlyList<SlaPolicy> Policies,
    [property: Id(1)] ProjectCalendar? Calendar)
{
    /// <summary>The most specific policy: priority and type, else priority alone; null when none applies.</summary>
    public SlaPolicy? For(TicketPriority priority, Guid? typeId) =>
        (typeId is null ? null : Policies.FirstOrDefault(p => p.Priority == priority && p.TypeId == typeId))
        ?? Policies.FirstOrDefault(p => p.Priority == priority && p.TypeId is null);

    /// <summary>The clock a policy counts with: business hours only when it asks for them and there is a calendar.</summary>
    public SlaClock ClockFor(SlaPolicy? policy) => new(policy is { BusinessHours: true } ? Calendar : null);
}

public static class SlaPolicyLimits
{
    /// <summary>Every priority alone and with every ticket type a project can have.</summary>
    public static readonly int MaxPolicies = Enum.GetValues<TicketPriority>().Length * (ProjectLimits.MaxTicketTypes + 1);

    /// <summary>Ten years, as for the project settings: more is a typo, not a target.</summary>
    public static readonly int MaxMinutes = (int)(ProjectLimits.MaxSlaHours * 60);
}
