using Npgsql;

namespace Zapnoty.Grains.Reports;

/// <summary>
/// Tickets per customer among the tickets created in a range: how many customers wrote, how many
/// of them opened one ticket, two, three to five, six or more, and the customers with the most.
/// </summary>
public sealed record CustomerFigures(long Customers, long OneTicket, long TwoTickets, long ThreeToFiveTickets, long SixOrMoreTickets,
    IReadOnlyList<TopCustomer> Top)
{
    /// <summary>How many customers <see cref="Top"/> lists at most.</summary>
    public const int TopCount = 10;

    public static readonly CustomerFigures None = new(0, 0, 0, 0, 0, []);
}

/// <summary>One of the customers who opened the most tickets in a range.</summary>
public sealed record TopCustomer(Guid CustomerId, string? Name, string Channel, string ExternalId, long Tickets);
