using Zapnoty.Grains.Projects;

namespace Zapnoty.Grains.Team;

/// <summary>
/// Who may do what to whom in a team. The route-level matrix (which role reaches which
/// route) is enforced by the API; these are the rules that depend on the member acted on.
/// </summary>
public static class TeamRules
{
    /// <summary>Roles that can be given directly; <c>owner</c> only moves by ownership transfer.</summary>
    public static ProjectRole Grantable(ProjectRole role, string field = "role") =>
        role == ProjectRole.Owner
            ? throw DomainException.Invalid(field, "A project has exactly one owner; hand it over with an ownership transfer.")
            : role;

    public static void RequireMayGrant(ProjectRole actor, ProjectRole role)
    {
        if (role >= ProjectRole.Admin && actor < ProjectRole.Owner)
            throw DomainException.Forbidden("Only the owner can make someone an admin.");
    }

    /// <summary>Admins manage support and viewer members; admins and the owner are the owner's to manage.</summary>
    public static void RequireMayManage(ProjectRole actor, MemberView target)
    {
        if (target.Role == ProjectRole.Owner)
            throw DomainException.Forbidden("The owner's membership changes only by ownership transfer.");
        if (target.Role == ProjectRole.Admin && actor < ProjectRole.Owner)
            throw DomainException.Forbidden("Only the owner can change or remove an admin.");
    }
}
