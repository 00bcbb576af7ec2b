using System.Collections.Concurrent;

namespace Zapnoty.Grains.Tickets;

/// <summary>
/// A ticket this silo created moments ago, as its creation stored it: its first message, its
/// history, and the SLA reminder its creation set (<see cref="SlaArmed"/>: known, and for when;
/// not known when the reminder was registered outside the creation's transaction).
/// </summary>
public sealed record FreshTicket(TicketView Ticket, MessageView FirstMessage, HistoryEntry Opened, (bool Known, DateTimeOffset? At) SlaArmed);

/// <summary>
/// What the silo's recent creations know, for the first activation of their ticket grains here:
/// a brand-new ticket's grain starts from it instead of reading back the rows just written and
/// asking the reminder table about a reminder the creation knows it did not set. Each entry is
/// taken once and kept briefly: the ticket grain is the ticket's only writer once it exists, and
/// its writes are guarded by the row version, so an entry can at worst cost one retried command
/// (the guard answers 409 and the grain reloads), never a lost change. An activation on another
/// silo, or later, reads as before. The one stale case: the grain first ran on another silo,
/// changed the ticket there, and that silo died within those seconds; a read here then shows the
/// ticket as created until its first write, which the version guard refuses and reloads.
/// </summary>
public sealed class FreshTickets(TimeProvider clock)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(15);

    // A silo creating thousands a second keeps at most this many; past it the oldest go first.
    private const int Capacity = 20_000;

    private readonly ConcurrentDictionary<Guid, (FreshTicket Ticket, DateTimeOffset At)> _tickets = new();
    private readonly ConcurrentQueue<(Guid Id, DateTimeOffset At)> _order = new();

    public void Add(IEnumerable<FreshTicket> tickets)
    {
        var now = clock.GetUtcNow();
        foreach (var ticket in tickets)
        {
            _tickets[ticket.Ticket.Id] = (ticket, now);
            _order.Enqueue((ticket.Ticket.Id, now));
        }
        while (_order.TryPeek(out var oldest) && (oldest.At < now - Lifetime || _order.Count > Capacity) && _order.TryDequeue(out oldest))
            _tickets.TryRemove(oldest.Id, out _);
    }

    /// <summary>Whether a first activation here would still start from the creation.</summary>
    public bool Holds(Guid ticketId) => _tickets.ContainsKey(ticketId);

    /// <summary>The ticket as its creation left it, once, if this silo created it within the last 15 seconds.</summary>
    public FreshTicket? Take(Guid ticketId) =>
        _tickets.TryRemove(ticketId, out var entry) && entry.At >= clock.GetUtcNow() - Lifetime ? entry.Ticket : null;
}
