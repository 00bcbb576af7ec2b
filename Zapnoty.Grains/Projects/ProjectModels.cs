namespace Zapnoty.Grains.Projects;

/// <summary>Roles in rising order of rights: a check is <c>role &gt;= required</c>.</summary>
[GenerateSerializer]
[Alias("Zapnoty.Grains.Projects.ProjectRole")]
public enum ProjectRole { Viewer, Support, Admin, Owner }

[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Projects.ProjectView")]
public sealed record ProjectView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Name,
    [property: Id(2)] string Slug,
    [property: Id(3)] DateTimeOffset CreatedAt);

[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Projects.CreateProject")]
public sealed record CreateProject(
    [property: Id(0)] string Name,
    [property: Id(1)] string Slug,
    [property: Id(2)] Guid OwnerUserId,
    [property: Id(3)] string OwnerEmail);

/// <summary>SLA targets in hours; null switches a target off.</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Projects.HelpdeskSettings")]
public sealed record HelpdeskSettings(
    [property: Id(0)] decimal? SlaFirstReplyHours,
    [property: Id(1)] decimal? SlaResolveHours);

/// <summary>A partial update: only the fields flagged as given change (null clears a target).</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Projects.SettingsChange")]
public sealed record SettingsChange(
    [property: Id(0)] Actor Actor,
    [property: Id(1)] bool ChangesFirstReply,
    [property: Id(2)] decimal? SlaFirstReplyHours,
    [property: Id(3)] bool ChangesResolve,
    [property: Id(4)] decimal? SlaResolveHours);

[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Projects.TicketTypeView")]
public sealed record TicketTypeView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Name,
    [property: Id(2)] int Position,
    [property: Id(3)] bool Archived);

public static class ProjectLimits
{
    public const int MaxNameLength = 100;
    public const int MaxTicketTypes = 50;
    /// <summary>An SLA target above ten years is a typo, not a target.</summary>
    public const decimal MaxSlaHours = 87600m;
}
