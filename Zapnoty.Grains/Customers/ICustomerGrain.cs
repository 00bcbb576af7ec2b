namespace Zapnoty.Grains.Customers;

/// <summary>The single writer of what the team keeps about one customer (keyed by the customer id).</summary>
[Alias("Zapnoty.Grains.Customers.ICustomerGrain")]
public interface ICustomerGrain : IGrainWithGuidKey
{
    /// <summary>Replaces the team's notes (null or blank clears them); no such customer in the project: NotFound.</summary>
    [Alias("2A7C4E19")]
    Task ChangeNotes(Guid projectId, Actor actor, string? notes);
}
