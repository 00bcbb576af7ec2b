using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Zapnoty.Grains.Storage;
using Zapnoty.Grains.Tags;
using Zapnoty.Grains.Team;
using Zapnoty.Grains.Webhooks;

namespace Zapnoty.Grains.Tickets;

/// <summary>The ticket's tags: replaced as a set, one history entry and one <c>ticket.tags_changed</c> per change.</summary>
public sealed partial class TicketGrain
{
    private TagStore TagRows => ServiceProvider.GetRequiredService<TagStore>();

    public Task<TicketView> SetTags(Actor actor, IReadOnlyList<Guid> tagIds) => AgainIfStale(() => SetTagsOnce(actor, tagIds));

    private async Task<TicketView> SetTagsOnce(Actor actor, IReadOnlyList<Guid> tagIds)
    {
        var before = await Writable();
        var wanted = tagIds.Distinct().ToList();
        if (wanted.Count > TagLimits.MaxPerTicket)
            throw DomainException.Unprocessable($"A ticket can have at most {TagLimits.MaxPerTicket} tags (got {wanted.Count}).", "tag_ids");
        var current = before.Tags ?? [];
        var found = await TagRows.Find(before.ProjectId, wanted, CancellationToken.None);
        if (wanted.FirstOrDefault(id => found.All(t => t.Id != id)) is var missing && missing != Guid.Empty)
            throw DomainException.Invalid("tag_ids", $"Tag {missing} does not exist in this project.");
        // An archived tag stays on the tickets that had it, but is given to no other.
        if (found.FirstOrDefault(t => t.Archived && current.All(c => c.Id != t.Id)) is { } archived)
            throw DomainException.Unprocessable($"Tag '{archived.Name}' is archived and can no longer be assigned.", "tag_ids");
        return await ReplaceTags(before, actor, TagChange.Of(before, wanted, found));
    }

    public Task<TicketView> AddTags(Actor actor, IReadOnlyList<Guid> tagIds) => AgainIfStale(() => AddTagsOnce(actor, tagIds));

    private async Task<TicketView> AddTagsOnce(Actor actor, IReadOnlyList<Guid> tagIds)
    {
        var before = await Writable();
        return await WithTagsAdded(before, tagIds) is { } change ? await ReplaceTags(before, actor, change) : before;
    }

    /// <summary>The ticket's tags change as <paramref name="change"/> says, in one write.</summary>
    private async Task<TicketView> ReplaceTags(TicketView before, Actor actor, TagChange change)
    {
        if (change.IsEmpty) return before with { Tags = change.Tags };
        var now = clock.StoredNow();
        var after = before with { Tags = change.Tags, UpdatedAt = now, Version = before.Version + 1 };
        var team = await TeamFor(after);
        await Commit(before, after, message: null, [change.History(before, actor, now)], [change.Event(after, now, team)], [.. change.Writes(before)]);
        return after;
    }

    /// <summary>
    /// The live ones of <paramref name="tagIds"/> added to the ticket's tags, up to the cap (what a
    /// canned reply applies; archived tags are skipped); null when none is new.
    /// </summary>
    private async Task<TagChange?> WithTagsAdded(TicketView before, IReadOnlyList<Guid> tagIds)
    {
        var current = before.Tags ?? [];
        var live = (await TagRows.Find(before.ProjectId, tagIds.Distinct().ToList(), CancellationToken.None))
            .Where(t => !t.Archived && current.All(c => c.Id != t.Id));
        var wanted = current.Select(c => c.Id).Concat(live.Select(t => t.Id)).Take(Math.Max(TagLimits.MaxPerTicket, current.Count)).ToList();
        return wanted.Count == current.Count ? null : TagChange.Of(before, wanted, await TagRows.Find(before.ProjectId, wanted, CancellationToken.None));
    }

    /// <summary>A change of a ticket's tags: what it writes, records in the history and tells webhooks, in the caller's transaction.</summary>
    private sealed record TagChange(List<Guid> Wanted, List<TicketTag> Tags, List<TicketTag> Added, List<TicketTag> Removed)
    {
        public bool IsEmpty => Added.Count == 0 && Removed.Count == 0;

        public static TagChange Of(TicketView before, List<Guid> wanted, List<TagView> found)
        {
            var current = before.Tags ?? [];
            var tags = found.Select(t => new TicketTag(t.Id, t.Name, t.Color, t.Archived)).ToList();
            return new TagChange(wanted, tags, tags.Where(t => current.All(c => c.Id != t.Id)).ToList(), current.Where(c => !wanted.Contains(c.Id)).ToList());
        }

        public HistoryEntry History(TicketView before, Actor actor, DateTimeOffset now) =>
            new(now, actor, "tags", TicketTags.HistoryValue(before.Tags ?? []), TicketTags.HistoryValue(Tags));

        public TicketEvent Event(TicketView after, DateTimeOffset now, TeamDirectory team) => TicketTags.Changed(after, now, team, Added, Removed);

        public IEnumerable<NpgsqlBatchCommand> Writes(TicketView before) => TicketTags.Replace(before.Id, before.Number, Wanted);
    }

    /// <summary>Tags renamed or recoloured since this activation read them are shown as they are now.</summary>
    private async Task<TicketView> WithFreshTags(TicketView ticket)
    {
        if (ticket.Tags is not { Count: > 0 } tags) return ticket;
        var fresh = await TagRows.Find(ticket.ProjectId, tags.Select(t => t.Id).ToList(), CancellationToken.None);
        return ticket with { Tags = fresh.Select(t => new TicketTag(t.Id, t.Name, t.Color, t.Archived)).ToList() };
    }
}
