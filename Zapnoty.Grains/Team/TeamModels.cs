using Zapnoty.Grains.Projects;

namespace Zapnoty.Grains.Team;

/// <summary>
/// A person's membership of a project. <see cref="UserId"/> is null while an invited person
/// has not logged in yet; <see cref="RemovedAt"/> is set once they were removed or left
/// (kept, so tickets still assigned to them can show who that was). <see cref="Name"/> is the
/// person's display name, a copy kept current by <see cref="Profiles.IProfileGrain.Rename"/>.
/// </summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Team.MemberView")]
public sealed record MemberView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid? UserId,
    [property: Id(2)] string Email,
    [property: Id(3)] ProjectRole Role,
    [property: Id(4)] DateTimeOffset AddedAt,
    [property: Id(5)] DateTimeOffset? RemovedAt,
    [property: Id(6)] string? Name = null)
{
    public bool Active => RemovedAt is null;
}

/// <summary>A pending ownership transfer as the owner sees it; the code went to their email.</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Team.OwnershipTransferView")]
public sealed record OwnershipTransferView(
    [property: Id(0)] Guid ToMemberId,
    [property: Id(1)] DateTimeOffset ExpiresAt);

public static class TeamLimits
{
    public const int MaxMembers = 500;
    public static readonly TimeSpan TransferCodeLifetime = TimeSpan.FromMinutes(10);
    public const int TransferCodeAttempts = 5;
}
