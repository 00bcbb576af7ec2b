using Zapnoty.Api.Access;
using Zapnoty.Grains;
using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Tags;

namespace Zapnoty.Api.Tags;

/// <summary>The tags a canned reply carries: checked before it is saved, applied with the reply that sends it.</summary>
public static class CannedReplyTags
{
    /// <summary>Every id must be a live tag of the project, checked before the canned reply is written (a 400 then writes nothing).</summary>
    public static async Task RequireLive(IGrainFactory grains, Guid projectId, IReadOnlyList<Guid> tagIds)
    {
        if (tagIds.Count == 0) return;
        var live = (await grains.GetGrain<ITagsGrain>(projectId).List(includeArchived: false)).Select(t => t.Id).ToHashSet();
        if (tagIds.FirstOrDefault(id => !live.Contains(id)) is var missing && missing != Guid.Empty)
            throw DomainException.Invalid("tag_ids", $"Tag {missing} is not a live tag of this project.");
    }

    /// <summary>
    /// The tags a reply sent with <paramref name="cannedReplyId"/> adds to the ticket, in the
    /// reply's own transaction (tags archived since are skipped there).
    /// </summary>
    public static async Task<IReadOnlyList<Guid>?> Of(IGrainFactory grains, Caller caller, Guid cannedReplyId) =>
        (await grains.GetGrain<IProjectGrain>(caller.ProjectId).FindCannedReply(cannedReplyId))?.TagIds;
}
