using Microsoft.Extensions.DependencyInjection;
using Zapnoty.Grains.CannedReplies;
using Zapnoty.Grains.Tags;

namespace Zapnoty.Grains.Projects;

/// <summary>The tags a canned reply puts on the ticket it is sent on: live tags of this project, at most a ticket's worth.</summary>
public sealed partial class ProjectGrain
{
    public async Task<CannedReplyView?> FindCannedReply(Guid cannedReplyId)
    {
        _ = State;
        return (await CannedReplies()).FirstOrDefault(r => r.Id == cannedReplyId);
    }

    private async Task<IReadOnlyList<Guid>?> CannedReplyTags(IReadOnlyList<Guid>? tagIds)
    {
        var wanted = (tagIds ?? []).Distinct().ToList();
        if (wanted.Count == 0) return null;
        if (wanted.Count > TagLimits.MaxPerTicket)
            throw DomainException.Invalid("tag_ids", $"A canned reply can apply at most {TagLimits.MaxPerTicket} tags (got {wanted.Count}).");
        var found = await ServiceProvider.GetRequiredService<TagStore>().Find(ProjectId, wanted, CancellationToken.None);
        if (wanted.FirstOrDefault(id => found.All(t => t.Id != id || t.Archived)) is var missing && missing != Guid.Empty)
            throw DomainException.Invalid("tag_ids", $"Tag {missing} is not a live tag of this project.");
        return wanted;
    }

    private static bool SameTags(IReadOnlyList<Guid>? a, IReadOnlyList<Guid>? b) => (a ?? []).SequenceEqual(b ?? []);
}
