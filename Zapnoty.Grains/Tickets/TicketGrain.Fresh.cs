namespace Zapnoty.Grains.Tickets;

/// <summary>The first activation of a ticket this silo has just created (<see cref="FreshTickets"/>).</summary>
public sealed partial class TicketGrain
{
    /// <summary>
    /// Starts from what the creation stored, with no read: the ticket, its one message (the
    /// customer's, counted as today's first), its one history entry, no rule fired yet, and the
    /// SLA reminder as the creation left it.
    /// </summary>
    private void StartFrom(FreshTicket fresh)
    {
        _ticket = fresh.Ticket;
        _messages = [fresh.FirstMessage];
        _hasEarlierMessages = false;
        _history = [fresh.Opened];
        _customerMessagesToday = (DateOnly.FromDateTime(fresh.FirstMessage.CreatedAt.UtcDateTime), 1);
        _fired = [];
        _armed = fresh.SlaArmed;
    }
}
