using System.Text.Json;
using Zapnoty.Grains;
using Zapnoty.Grains.Live;
using Zapnoty.Grains.Tickets;
using Zapnoty.Grains.Webhooks;

namespace Zapnoty.Api.Live;

/// <summary>
/// One event of a stream before it is written: its SSE name and JSON data, and for the events of
/// the durable feed their number (<see cref="Seq"/>), which is the SSE <c>id</c>. Counts and
/// presence have no number of their own: they carry the id of the last numbered event before them.
/// </summary>
public sealed record LiveItem(long? Seq, string Event, string Data);

/// <summary>The event names of the stream and how outbox events become them.</summary>
public static class LiveItems
{
    public const string TicketCreated = "ticket.created";
    public const string TicketUpdated = "ticket.updated";
    public const string MessageCreated = "message.created";
    public const string Counts = "counts";
    public const string Presence = "presence";
    /// <summary>The stream cannot replay what the client missed (too far behind, too slow): refetch, then continue from this event's id.</summary>
    public const string Reset = "reset";

    /// <summary>
    /// The stream's event for an outbox event: its data is the webhook payload's <c>data</c> (the
    /// ticket, the message or change) with the webhook <c>type</c> added. Events of no ticket
    /// (billing notices) are not streamed.
    /// </summary>
    public static LiveItem? Of(LiveEvent e)
    {
        if (e.TicketId is null || !e.Type.StartsWith("ticket.", StringComparison.Ordinal)) return null;
        var name = e.Type switch
        {
            TicketEventTypes.Created => TicketCreated,
            TicketEventTypes.Replied or TicketEventTypes.CustomerReplied or TicketEventTypes.NoteAdded => MessageCreated,
            _ => TicketUpdated,
        };
        var typed = JsonSerializer.Serialize(e.Type, WireJson.Options);
        var payload = e.Payload.Trim();
        // The payload is a JSON object written by the outbox: the type goes in as its first member.
        var data = payload.Length > 2 && payload[0] == '{' ? $"{{\"type\":{typed},{payload[1..]}" : $"{{\"type\":{typed}}}";
        return new LiveItem(e.Seq, name, data);
    }

    public static LiveItem OfCounts(TicketCounts counts) =>
        new(null, Counts, JsonSerializer.Serialize(new LiveCountsDto(counts.New, counts.InProgress, counts.Waiting, counts.Closed, counts.Overdue), WireJson.Options));

    public static LiveItem OfPresence(TicketPresence presence) =>
        new(null, Presence, JsonSerializer.Serialize(new LivePresenceDto(presence.TicketId,
            presence.People.Select(p => new LivePersonDto(p.UserId, p.State.Wire())).ToList()), WireJson.Options));

    public static LiveItem OfReset(long lastEventId, string reason) =>
        new(lastEventId, Reset, JsonSerializer.Serialize(new LiveResetDto(reason), WireJson.Options));
}

/// <summary>Data of <c>counts</c>: the project's tickets per status (no filters) and how many are overdue.</summary>
public sealed record LiveCountsDto(int New, int InProgress, int Waiting, int Closed, int Overdue);

/// <summary>Data of <c>presence</c>: everyone on the ticket now; an empty list when the last one left.</summary>
public sealed record LivePresenceDto(Guid TicketId, IReadOnlyList<LivePersonDto> People);

/// <summary>A person on a ticket: <c>viewing</c> or <c>typing</c>.</summary>
public sealed record LivePersonDto(Guid UserId, string State);

/// <summary>Data of <c>reset</c>: why the missed events cannot be replayed.</summary>
public sealed record LiveResetDto(string Reason);
