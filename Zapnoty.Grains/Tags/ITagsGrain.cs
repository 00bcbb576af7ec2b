using Orleans.Concurrency;

namespace Zapnoty.Grains.Tags;

/// <summary>The single writer of one project's tags (keyed by the project id).</summary>
[Alias("Zapnoty.Grains.Tags.ITagsGrain")]
public interface ITagsGrain : IGrainWithGuidKey
{
    /// <summary>The tags by name; archived ones too when asked.</summary>
    [ReadOnly]
    [Alias("4C1D7E20")]
    Task<IReadOnlyList<TagView>> List(bool includeArchived);

    /// <summary>A new tag; a live tag of that name (ignoring case): Conflict; past <see cref="TagLimits.MaxPerProject"/>: Unprocessable.</summary>
    [Alias("9E2B51A4")]
    Task<TagView> Add(Actor actor, string? name, string? color);

    /// <summary>Renames and/or recolours a live tag.</summary>
    [Alias("D03F6C18")]
    Task<TagView> Change(TagChange change);

    /// <summary>Deletes a tag no ticket has, archives one that tickets have.</summary>
    [Alias("7A45E9B2")]
    Task<TagRemoval> Remove(Actor actor, Guid tagId);
}
