using Zapnoty.Grains.Audit;
using Zapnoty.Grains.Storage;

namespace Zapnoty.Grains.Tags;

/// <summary>
/// A project's tags in memory, loaded on activation; every change: validate, one transaction
/// with its audit entry, then memory. Tickets read the tags they are given from the database,
/// so an assignment never waits for this grain.
/// </summary>
public sealed class TagsGrain(TagStore store, TimeProvider clock) : Grain, ITagsGrain
{
    private List<TagView> _tags = [];

    private Guid ProjectId => this.GetPrimaryKey();

    public override async Task OnActivateAsync(CancellationToken cancellationToken) => _tags = await store.Load(ProjectId, cancellationToken);

    public Task<IReadOnlyList<TagView>> List(bool includeArchived) =>
        Task.FromResult<IReadOnlyList<TagView>>(_tags.Where(t => includeArchived || !t.Archived).ToList());

    public async Task<TagView> Add(Actor actor, string? name, string? color)
    {
        var validName = TagLimits.Name(name);
        var validColor = color is null ? TagLimits.Palette[_tags.Count % TagLimits.Palette.Count] : TagLimits.Color(color);
        RequireUniqueName(validName, except: null);
        if (_tags.Count(t => !t.Archived) >= TagLimits.MaxPerProject)
            throw DomainException.Unprocessable($"A project can have at most {TagLimits.MaxPerProject} tags; archive the ones no longer used.");

        var now = clock.StoredNow();
        var tag = new TagView(Guid.NewGuid(), validName, validColor, now, false);
        if (!await store.Insert(ProjectId, tag, new AuditEntry(now, actor, AuditActions.TagCreated, tag.Id.ToString(), new { name = validName, color = validColor }),
                CancellationToken.None))
            throw NameTaken(validName);
        _tags.Add(tag);
        Sort();
        return tag;
    }

    public async Task<TagView> Change(TagChange change)
    {
        var index = LiveIndex(change.TagId);
        var before = _tags[index];
        var after = before with
        {
            Name = change.Name is null ? before.Name : TagLimits.Name(change.Name),
            Color = change.Color is null ? before.Color : TagLimits.Color(change.Color),
        };
        if (after == before) return before;
        RequireUniqueName(after.Name, except: after.Id);

        var audit = new AuditEntry(clock.StoredNow(), change.Actor, AuditActions.TagChanged, after.Id.ToString(),
            new { from = new { name = before.Name, color = before.Color }, to = new { name = after.Name, color = after.Color } });
        if (!await store.Update(ProjectId, after, audit, CancellationToken.None)) throw NameTaken(after.Name);
        _tags[index] = after;
        Sort();
        return after;
    }

    public async Task<TagRemoval> Remove(Actor actor, Guid tagId)
    {
        var index = LiveIndex(tagId);
        var tag = _tags[index];
        var now = clock.StoredNow();
        var removal = await store.Remove(ProjectId, tagId, r => new AuditEntry(now, actor,
            r == TagRemoval.Deleted ? AuditActions.TagDeleted : AuditActions.TagArchived, tagId.ToString(), new { name = tag.Name }), now, CancellationToken.None);
        if (removal == TagRemoval.Deleted) _tags.RemoveAt(index);
        else _tags[index] = tag with { Archived = true };
        return removal;
    }

    private int LiveIndex(Guid tagId)
    {
        var index = _tags.FindIndex(t => t.Id == tagId && !t.Archived);
        return index >= 0 ? index : throw DomainException.NotFound($"Tag {tagId} does not exist in this project.");
    }

    private void RequireUniqueName(string name, Guid? except)
    {
        if (_tags.Any(t => !t.Archived && t.Id != except && string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase)))
            throw NameTaken(name);
    }

    private static DomainException NameTaken(string name) => DomainException.Conflict($"A tag named '{name}' already exists in this project.", "name");

    private void Sort() => _tags.Sort((a, b) => string.Compare(a.Name, b.Name, StringComparison.OrdinalIgnoreCase));
}
