using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Customers;

/// <summary>A customer of a project as the directory lists them; <see cref="FirstContactAt"/> is when they first wrote.</summary>
public sealed record CustomerSummary(Guid Id, Channel Channel, string ExternalId, string? Name, string? Username, string? Email,
    DateTimeOffset FirstContactAt, string? UnreachableReason);

/// <summary>The customer, the team's notes about them, and their tickets in the project (open ones first, then newest).</summary>
public sealed record CustomerProfile(CustomerSummary Customer, string? Notes, IReadOnlyList<TicketView> Tickets, bool MoreTickets);

/// <summary>Where a page of the directory ends: the last customer shown.</summary>
public sealed record CustomerPosition(DateTimeOffset FirstContactAt, Guid Id);

public static class CustomerLimits
{
    public const int MaxNotesLength = 4096;

    /// <summary>Tickets a profile shows; a customer with more is a case for the ticket list's customer filter.</summary>
    public const int ProfileTickets = 100;

    /// <summary>A search needs this many characters: fewer would match nearly everyone and read the whole directory.</summary>
    public const int MinSearchLength = 3;
}
