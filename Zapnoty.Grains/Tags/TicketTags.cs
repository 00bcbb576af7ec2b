using System.Text.Json;
using Npgsql;
using Zapnoty.Grains.Storage;
using Zapnoty.Grains.Team;
using Zapnoty.Grains.Tickets;
using Zapnoty.Grains.Webhooks;

namespace Zapnoty.Grains.Tags;

/// <summary>The tags of one ticket: how they are read with the ticket row, written, and announced.</summary>
public static class TicketTags
{
    /// <summary>The JSON array the ticket row's tag column holds (see <see cref="TicketRows.SelectFrom"/>).</summary>
    public static IReadOnlyList<TicketTag> Read(string json) => JsonSerializer.Deserialize<List<TicketTag>>(json, WireJson.Options) ?? [];

    /// <summary>The ticket's tags become exactly <paramref name="tagIds"/> (two statements of the ticket's transaction).</summary>
    public static IEnumerable<NpgsqlBatchCommand> Replace(Guid ticketId, long ticketNumber, IReadOnlyCollection<Guid> tagIds)
    {
        var ids = tagIds.ToArray();
        yield return OneTransaction.Command("DELETE FROM ticket_tags WHERE ticket_id = $1 AND NOT (tag_id = ANY ($2))", ticketId, ids);
        yield return OneTransaction.Command("""
            INSERT INTO ticket_tags (ticket_id, tag_id, ticket_number)
            SELECT $1, unnest($2::uuid[]), $3
            ON CONFLICT (ticket_id, tag_id) DO NOTHING
            """, ticketId, ids, ticketNumber);
    }

    /// <summary><c>ticket.tags_changed</c>: the ticket as it now is, and the tags added and removed.</summary>
    public static TicketEvent Changed(TicketView ticket, DateTimeOffset at, TeamDirectory team, IReadOnlyList<TicketTag> added, IReadOnlyList<TicketTag> removed)
    {
        var data = new Dictionary<string, object>
        {
            ["ticket"] = TicketDto.From(ticket, at, team),
            ["added"] = added.Select(TagDto.From).ToList(),
            ["removed"] = removed.Select(TagDto.From).ToList(),
        };
        return new TicketEvent(Guid.NewGuid(), ticket.Id, TicketEventTypes.TagsChanged, at, null, JsonSerializer.Serialize(data, WireJson.Options));
    }

    /// <summary>How tags read in a history entry: their names, in order.</summary>
    public static string? HistoryValue(IReadOnlyList<TicketTag> tags) => tags.Count == 0 ? null : string.Join(", ", tags.Select(t => t.Name));
}
