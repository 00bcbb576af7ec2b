using System.Collections.Concurrent;

namespace Zapnoty.Grains.Tickets;

/// <summary>
/// A ticket this silo created moments ago, as its creation stored its row, and the SLA reminder
/// its creation set (<see cref="SlaArmed"/>: known, and for when; not known when the reminder
/// was registered outside the creation's transaction).
/// </summary>
public sealed record FreshTicket(TicketView Ticket, (bool Known, DateTimeOffset? At) SlaArmed);

/// <summary>
/// What the silo's recent creations know, for the first activation of their ticket grains here:
/// a brand-new ticket's grain starts from the row its creation wrote instead of reading it back,
/// and without asking the reminder table about a reminder the creation knows it did not set.
/// Only the row: it is changed by nothing but its ticket grain (and a merge into it, which
/// reloads that grain), each write bumping its version, and the grain's writes are guarded by
/// that version, so a change this entry has not seen (the grain ran on another silo that died
/// within these seconds) refuses the next write, which reloads (409, retry), never a lost change.
/// Messages and history are another matter: they can be added behind the grain's back (by
/// another activation, or straight into the database), so a fresh grain reads them, the day's
/// customer messages and the rules fired the normal way at their first use. Each entry is
/// taken once and kept briefly; an activation on another silo, or later, reads as before.
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
