namespace Zapnoty.Grains.Tickets;

/// <summary>A command that met a row changed behind this activation runs once more on the reloaded row.</summary>
public sealed partial class TicketGrain
{
    /// <summary>The refusal of a write whose ticket row was changed by another activation since this one read it.</summary>
    private const string ChangedElsewhere = "The ticket was changed at the same time by another request; retry.";

    /// <summary>
    /// Runs <paramref name="command"/>, and once more when its write found the row changed behind
    /// this activation, which has reloaded it by then (<see cref="Commit"/>): it started from its
    /// creation's row while the ticket ran on a silo that then died (<see cref="FreshTickets"/>),
    /// or a second activation wrote. The refused transaction rolled back whole (message, key,
    /// credit, events), so the command runs on what is stored, as the client's retry would, and
    /// its checks (the stale-reply guard, a status it already has) see the reloaded ticket. Only
    /// a second refusal in a row reaches the client as 409. For commands whose only effects
    /// before <see cref="Commit"/> are reads.
    /// </summary>
    private async Task<T> AgainIfStale<T>(Func<Task<T>> command)
    {
        try
        {
            return await command();
        }
        catch (DomainException e) when (e is { Kind: DomainErrorKind.Conflict, Message: ChangedElsewhere })
        {
            return await command();
        }
    }
}
