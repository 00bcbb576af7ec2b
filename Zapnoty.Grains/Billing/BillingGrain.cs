using Orleans.Concurrency;
using Zapnoty.Grains.Audit;
using Zapnoty.Grains.Storage;

namespace Zapnoty.Grains.Billing;

[GenerateSerializer, Immutable]
public sealed record PurchaseResult([property: Id(0)] LedgerEntry Purchase, [property: Id(1)] CreditBalance Balance);

/// <summary>
/// A project's credits: the balance and purchases. Debits are not here: each reply debits
/// in its own transaction (the balance row lock keeps that exact across silos).
/// </summary>
public interface IBillingGrain : IGrainWithGuidKey
{
    [ReadOnly] Task<CreditBalance> Balance();

    /// <summary>
    /// Adds purchased credits, once per <paramref name="reference"/> (the payment's id): a
    /// repeated call returns the same purchase and adds nothing; the same reference with
    /// another amount is a Conflict.
    /// </summary>
    Task<PurchaseResult> Purchase(Actor actor, int amount, string reference);
}

public sealed class BillingGrain(BillingStore store, TimeProvider clock) : Grain, IBillingGrain
{
    public const int MaxPurchase = 1_000_000;

    private Guid ProjectId => this.GetPrimaryKey();

    public Task<CreditBalance> Balance() => store.Balance(ProjectId, clock.GetUtcNow(), CancellationToken.None);

    public async Task<PurchaseResult> Purchase(Actor actor, int amount, string reference)
    {
        if (amount is < 1 or > MaxPurchase)
            throw DomainException.Invalid("amount", $"amount is a whole number of credits from 1 to {MaxPurchase}.");
        if (string.IsNullOrWhiteSpace(reference) || reference.Length > 200)
            throw DomainException.Invalid("reference", "reference (the payment's id) must be 1 to 200 characters.");

        var now = clock.StoredNow();
        var (purchase, repeated) = await store.Purchase(ProjectId, now, amount, reference,
            new AuditEntry(now, actor, AuditActions.CreditsPurchased, reference, new { amount }), CancellationToken.None);
        if (repeated && purchase.Amount != amount)
            throw DomainException.Conflict($"Reference '{reference}' was already used for a purchase of {purchase.Amount} credits.", "reference");
        return new PurchaseResult(purchase, await store.Balance(ProjectId, clock.GetUtcNow(), CancellationToken.None));
    }
}
