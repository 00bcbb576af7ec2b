using System.Text.Json;
using Npgsql;
using Zapnoty.Grains.Audit;
using Zapnoty.Grains.Storage;
using Zapnoty.Grains.Team;
using Zapnoty.Grains.Webhooks;

namespace Zapnoty.Grains.Tickets;

/// <summary>Merge this ticket into <see cref="IntoTicketId"/> (same project, same customer).</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Tickets.TicketMerge")]
public sealed record TicketMerge([property: Id(0)] Actor Actor, [property: Id(1)] Guid IntoTicketId);

/// <summary>
/// The statements a merge adds to the source ticket's own transaction (which closes the source
/// at its expected version): the conversation moves, the survivor is checked and versioned,
/// and the merge is audited — all of it or none.
/// </summary>
public static class MergeWrites
{
    /// <summary>
    /// The survivor must still be open, unmerged and at the version the merge read; bumping its
    /// version makes a write its grain prepared before the merge fail and reload, rather than
    /// write over a conversation it has not seen. Must change exactly one row.
    /// </summary>
    public static NpgsqlBatchCommand GuardSurvivor(TicketView target, DateTimeOffset now) => OneTransaction.Command("""
        UPDATE tickets SET version = version + 1, updated_at = $3
         WHERE id = $1 AND version = $2 AND merged_into IS NULL AND status <> 'closed'
        """, target.Id, target.Version, now);

    public static IEnumerable<NpgsqlBatchCommand> Move(TicketView source, TicketView target, HistoryEntry survivorEntry, AuditEntry audit)
    {
        // The messages keep their seq, which follows the order they were written in, so the
        // survivor reads both conversations interleaved in time order.
        yield return OneTransaction.Command("UPDATE ticket_messages SET ticket_id = $2 WHERE ticket_id = $1", source.Id, target.Id);
        yield return TicketWrites.InsertHistory(target.Id, [survivorEntry]);
        // The chat follows the survivor: the customer's next message lands there.
        yield return OneTransaction.Command("UPDATE conversations SET current_ticket_id = $2 WHERE current_ticket_id = $1", source.Id, target.Id);
        // A reply of the source still on its way reports its delivery to the ticket that now holds it.
        if (source.Route is { } route)
            yield return OneTransaction.Command("""
                UPDATE channel_outbox SET ticket_id = $4
                 WHERE bot_id = $1 AND chat_id = $2 AND status IN ('pending', 'sending') AND ticket_id = $3
                """, route.BotId, route.ChatId, source.Id, target.Id);
        yield return AuditWrites.Insert(source.ProjectId, audit);
    }

    /// <summary><c>ticket.merged</c>: the merged ticket (closed, with <c>merged_into</c>) and the one that survives.</summary>
    public static TicketEvent Event(TicketView source, TicketView target, DateTimeOffset at, TeamDirectory team)
    {
        var data = new Dictionary<string, object>
        {
            ["ticket"] = TicketDto.From(source, at, team),
            ["into_ticket"] = TicketDto.From(target, at, team),
        };
        return new TicketEvent(Guid.NewGuid(), source.Id, TicketEventTypes.Merged, at, null, JsonSerializer.Serialize(data, WireJson.Options));
    }
}
