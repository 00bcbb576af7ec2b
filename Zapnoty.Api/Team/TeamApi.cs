using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Zapnoty.Api.Access;
using Zapnoty.Api.Problems;
using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Team;

namespace Zapnoty.Api.Team;

public enum MemberStatus { Active, Invited }

/// <summary>
/// A member; <c>name</c> is the person's display name, null until they set one (and for invitations).
/// In the list, for members who handle tickets (support and up): <c>available</c> (their own
/// switch for auto-assignment), <c>away</c> (auto-assignment passes them by now: switched away or
/// inactive past the project's <c>away_after_minutes</c>); for everyone logged in,
/// <c>last_active_at</c> (their latest request, recorded about once a minute). Null elsewhere.
/// </summary>
public sealed record MemberDto(Guid Id, Guid? UserId, string Email, string? Name, ProjectRole Role, MemberStatus Status, DateTime AddedAt,
    bool? Available = null, bool? Away = null, DateTime? LastActiveAt = null)
{
    public static MemberDto From(MemberView m) =>
        new(m.Id, m.UserId, m.Email, m.Name, m.Role, m.UserId is null ? MemberStatus.Invited : MemberStatus.Active, m.AddedAt.UtcDateTime);

    public static MemberDto From(MemberView m, Grains.Assignment.AgentPresence? presence)
    {
        var member = From(m);
        if (presence is null) return member;
        return m.Role >= ProjectRole.Support
            ? member with { Available = presence.Available, Away = presence.Away, LastActiveAt = presence.LastActiveAt?.UtcDateTime }
            : member with { LastActiveAt = presence.LastActiveAt?.UtcDateTime };
    }
}

public sealed record AddMemberRequest(string? Email, ProjectRole? Role);
public sealed record ChangeRoleRequest(ProjectRole? Role);
public sealed record OwnershipTransferRequest(Guid? ToMemberId);
public sealed record OwnershipConfirmRequest(string? Code);
public sealed record OwnershipTransferDto(Guid ToMemberId, DateTime ExpiresAt);
public sealed record OwnershipTransferredDto(MemberDto Owner, ProjectRole YourRole);

/// <summary>Where a member stands in the list (added_at, then id): a cursor that survives removals.</summary>
public readonly record struct MemberPosition(long AddedAtTicks, Guid Id) : IComparable<MemberPosition>
{
    public static MemberPosition Of(MemberView m) => new(m.AddedAt.UtcTicks, m.Id);

    public int CompareTo(MemberPosition other) =>
        AddedAtTicks != other.AddedAtTicks ? AddedAtTicks.CompareTo(other.AddedAtTicks) : Id.CompareTo(other.Id);

    public override string ToString() => $"{AddedAtTicks}:{Id}";

    public static MemberPosition? Parse(string? position, Validation validation)
    {
        if (position is null) return null;
        var parts = position.Split(':');
        if (parts.Length == 2 && long.TryParse(parts[0], out var ticks) && Guid.TryParse(parts[1], out var id)) return new(ticks, id);
        validation.Add("cursor", "The cursor is not one this API handed out.");
        return null;
    }
}

public static class TeamApi
{
    public static IEndpointRouteBuilder MapTeamApi(this IEndpointRouteBuilder app)
    {
        var project = app.MapGroup("/v1/projects/{projectId:guid}").WithTags("Team").WithProjectAccess();
        project.MapGet("/members", List);
        project.MapPost("/members", Add).RequireRole(ProjectRole.Admin).ProducesProblems(StatusCodes.Status409Conflict, StatusCodes.Status429TooManyRequests);
        project.MapPatch("/members/{memberId:guid}", ChangeRole).RequireRole(ProjectRole.Admin);
        project.MapDelete("/members/{memberId:guid}", Remove).RequireRole(ProjectRole.Admin);
        project.MapPost("/leave", Leave).RequireSession().ProducesProblems(StatusCodes.Status409Conflict);
        project.MapPost("/ownership-transfer", RequestTransfer).RequireRole(ProjectRole.Owner).RequireSession()
            .ProducesProblems(StatusCodes.Status429TooManyRequests);
        project.MapPost("/ownership-transfer/confirm", ConfirmTransfer).RequireRole(ProjectRole.Owner).RequireSession()
            .ProducesProblems(StatusCodes.Status409Conflict, StatusCodes.Status410Gone, StatusCodes.Status429TooManyRequests);
        return app;
    }

    /// <summary>
    /// The team, oldest member first; <c>status</c> is <c>invited</c> until the person first logs
    /// in. With each member's availability for auto-assignment and last activity.
    /// </summary>
    private static async Task<Ok<Page<MemberDto>>> List(Guid projectId, IGrainFactory grains, int? limit, string? cursor)
    {
        var validation = new Validation();
        var take = Paging.Limit(limit, validation);
        var after = MemberPosition.Parse(Paging.Decode(cursor, validation), validation);
        validation.ThrowIfAny();

        var members = (await grains.GetGrain<IProjectGrain>(projectId).ListMembers(includeRemoved: false))
            .Where(m => after is null || MemberPosition.Of(m).CompareTo(after.Value) > 0)
            .ToList();
        var presence = (await grains.GetGrain<Grains.Assignment.IAssignmentGrain>(projectId).Team()).ToDictionary(p => p.UserId);
        var page = members.Take(take).Select(m => MemberDto.From(m, m.UserId is { } user ? presence.GetValueOrDefault(user) : null)).ToList();
        var next = members.Count > take ? Paging.Encode(MemberPosition.Of(members[take - 1]).ToString()) : null;
        return TypedResults.Ok(new Page<MemberDto>(page, next));
    }

    /// <summary>
    /// Adds a person by email. Someone who never logged in gets an invitation and joins on
    /// first login with that address. Admins add support and viewer members; only the owner adds admins.
    /// </summary>
    private static async Task<Created<MemberDto>> Add(Guid projectId, AddMemberRequest body, Caller caller, IGrainFactory grains)
    {
        var email = EmailAddress.Normalized(body.Email);
        new Validation().Required(body.Role, "role").ThrowIfAny();
        var member = await grains.GetGrain<IProjectGrain>(projectId).AddMember(caller.Actor, email, body.Role!.Value);
        return TypedResults.Created($"/v1/projects/{projectId}/members/{member.Id}", MemberDto.From(member));
    }

    /// <summary>Changes a member's role. The owner's role changes only by ownership transfer.</summary>
    private static async Task<Ok<MemberDto>> ChangeRole(Guid projectId, Guid memberId, ChangeRoleRequest body, Caller caller, IGrainFactory grains)
    {
        new Validation().Required(body.Role, "role").ThrowIfAny();
        var member = await grains.GetGrain<IProjectGrain>(projectId).ChangeMemberRole(caller.Actor, memberId, body.Role!.Value);
        return TypedResults.Ok(MemberDto.From(member));
    }

    /// <summary>Removes a member. Tickets assigned to them stay assigned and show them as a former member.</summary>
    private static async Task<NoContent> Remove(Guid projectId, Guid memberId, Caller caller, IGrainFactory grains)
    {
        await grains.GetGrain<IProjectGrain>(projectId).RemoveMember(caller.Actor, memberId);
        return TypedResults.NoContent();
    }

    /// <summary>The caller leaves the project. The owner hands it over first.</summary>
    private static async Task<NoContent> Leave(Guid projectId, Caller caller, IGrainFactory grains)
    {
        await grains.GetGrain<IProjectGrain>(projectId).Leave(caller.UserId!.Value);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// Starts handing the project over: an 8-digit code goes to the owner's email (valid 10
    /// minutes, 5 tries). A new request replaces the previous code. At most 3 requests an hour
    /// and 10 wrong codes a day per project (across codes); beyond that 429 with <c>Retry-After</c>.
    /// </summary>
    private static async Task<Accepted<OwnershipTransferDto>> RequestTransfer(Guid projectId, OwnershipTransferRequest body, Caller caller, IGrainFactory grains)
    {
        new Validation().Required(body.ToMemberId, "to_member_id").ThrowIfAny();
        var transfer = await grains.GetGrain<IProjectGrain>(projectId).RequestOwnershipTransfer(caller.UserId!.Value, body.ToMemberId!.Value);
        return TypedResults.Accepted((string?)null, new OwnershipTransferDto(transfer.ToMemberId, transfer.ExpiresAt.UtcDateTime));
    }

    /// <summary>With the emailed code: the member becomes owner, you become admin. Wrong code 400; used or expired 410.</summary>
    private static async Task<Ok<OwnershipTransferredDto>> ConfirmTransfer(Guid projectId, OwnershipConfirmRequest body, Caller caller, IGrainFactory grains)
    {
        var validation = new Validation().Required(body.Code, "code");
        if (body.Code is not null && !Grains.Access.OneTimeCode.IsWellFormed(body.Code)) validation.Add("code", $"The code is {Grains.Access.OneTimeCode.Digits} digits.");
        validation.ThrowIfAny();
        var owner = await grains.GetGrain<IProjectGrain>(projectId).ConfirmOwnershipTransfer(caller.UserId!.Value, body.Code!);
        return TypedResults.Ok(new OwnershipTransferredDto(MemberDto.From(owner), ProjectRole.Admin));
    }
}
