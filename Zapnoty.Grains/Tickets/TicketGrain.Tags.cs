using Microsoft.Extensions.DependencyInjection;
using Zapnoty.Grains.Storage;
using Zapnoty.Grains.Tags;

namespace Zapnoty.Grains.Tickets;

/// <summary>The ticket's tags: replaced as a set, one history entry and one <c>ticket.tags_changed</c> per change.</summary>
public sealed partial class TicketGrain
{
    private TagStore TagRows => ServiceProvider.GetRequiredService<TagStore>();

    public async Task<TicketView> SetTags(Actor actor, IReadOnlyList<Guid> tagIds)
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
        return await ReplaceTags(before, actor, wanted, found);
    }

    public async Task<TicketView> AddTags(Actor actor, IReadOnlyList<Guid> tagIds)
    {
        var before = await Writable();
        var current = before.Tags ?? [];
        var live = (await TagRows.Find(before.ProjectId, tagIds.Distinct().ToList(), CancellationToken.None))
            .Where(t => !t.Archived && current.All(c => c.Id != t.Id));
        var wanted = current.Select(c => c.Id).Concat(live.Select(t => t.Id)).Take(Math.Max(TagLimits.MaxPerTicket, current.Count)).ToList();
        if (wanted.Count == current.Count) return before;
        return await ReplaceTags(before, actor, wanted, await TagRows.Find(before.ProjectId, wanted, CancellationToken.None));
    }

    /// <summary>The ticket's tags become <paramref name="wanted"/> (<paramref name="found"/>: those tags as stored), in one write.</summary>
    private async Task<TicketView> ReplaceTags(TicketView before, Actor actor, List<Guid> wanted, List<TagView> found)
    {
        var current = before.Tags ?? [];
        var tags = found.Select(t => new TicketTag(t.Id, t.Name, t.Color, t.Archived)).ToList();
        var added = tags.Where(t => current.All(c => c.Id != t.Id)).ToList();
        var removed = current.Where(c => !wanted.Contains(c.Id)).ToList();
        if (added.Count == 0 && removed.Count == 0) return before with { Tags = tags };

        var now = clock.StoredNow();
        var after = before with { Tags = tags, UpdatedAt = now, Version = before.Version + 1 };
        List<HistoryEntry> history = [new(now, actor, "tags", TicketTags.HistoryValue(current), TicketTags.HistoryValue(tags))];
        var team = await TeamFor(after);
        await Commit(before, after, message: null, history, [TicketTags.Changed(after, now, team, added, removed)],
            [.. TicketTags.Replace(before.Id, before.Number, wanted)]);
        return after;
    }

    /// <summary>Tags renamed or recoloured since this activation read them are shown as they are now.</summary>
    private async Task<TicketView> WithFreshTags(TicketView ticket)
    {
        if (ticket.Tags is not { Count: > 0 } tags) return ticket;
        var fresh = await TagRows.Find(ticket.ProjectId, tags.Select(t => t.Id).ToList(), CancellationToken.None);
        return ticket with { Tags = fresh.Select(t => new TicketTag(t.Id, t.Name, t.Color, t.Archived)).ToList() };
    }
}
