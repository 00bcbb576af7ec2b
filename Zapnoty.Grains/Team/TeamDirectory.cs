using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Team;

/// <summary>Names the people tickets are assigned to, from the project's members past and present.</summary>
public sealed class TeamDirectory(IReadOnlyList<MemberView> members)
{
    public static readonly TeamDirectory Empty = new([]);

    public static async Task<TeamDirectory> Of(IGrainFactory grains, Guid projectId) =>
        new(await grains.GetGrain<IProjectGrain>(projectId).ListMembers(includeRemoved: true));

    public AssigneeDto? Assignee(Guid? userId)
    {
        if (userId is not { } id) return null;
        var current = members.FirstOrDefault(m => m.UserId == id && m.Active);
        if (current is not null) return new AssigneeDto(id, current.Email, current.Name, FormerMember: false);
        var former = members.LastOrDefault(m => m.UserId == id);
        return new AssigneeDto(id, former?.Email, former?.Name, FormerMember: true);
    }
}
