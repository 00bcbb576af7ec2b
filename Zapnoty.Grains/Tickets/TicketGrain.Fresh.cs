namespace Zapnoty.Grains.Tickets;

/// <summary>The first activation of a ticket this silo has just created (<see cref="FreshTickets"/>).</summary>
public sealed partial class TicketGrain
{
    // Started from the creation: the conversation (messages, history) is not read yet.
    private bool _conversationUnread;

    /// <summary>
    /// Starts from what the creation stored, with no read, but only from what no one can change
    /// unseen: the ticket row (every product write of it bumps its version, which this grain's
    /// own writes are guarded by, so a change made elsewhere refuses the next write and reloads)
    /// and the SLA reminder the creation set. What others can add to behind this activation's
    /// back (a message written by another path or activation, or straight into the database)
    /// is read the normal way at its first use: the conversation by <see cref="Conversation"/>,
    /// the day's customer messages at the first customer message, the rules fired at the first rule check.
    /// </summary>
    private void StartFrom(FreshTicket fresh)
    {
        _ticket = fresh.Ticket;
        _messages = [];
        _hasEarlierMessages = false;
        _history = [];
        _conversationUnread = true;
        _customerMessagesToday = null;
        _fired = null;
        _armed = fresh.SlaArmed;
    }

    /// <summary>Reads the ticket with its latest messages and history if this activation started fresh and has not yet.</summary>
    private async Task Conversation()
    {
        if (_conversationUnread) await Reload(CancellationToken.None);
    }
}
