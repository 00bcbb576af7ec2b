using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Zapnoty.Grains.Audit;
using Zapnoty.Grains.Billing.Payments;
using Zapnoty.Grains.Channels;
using Zapnoty.Grains.Storage;

namespace Zapnoty.Grains.Billing;

[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Billing.PurchaseResult")]
public sealed record PurchaseResult([property: Id(0)] LedgerEntry Purchase, [property: Id(1)] CreditBalance Balance);

/// <summary>A checkout opened at the provider (<see cref="CheckoutUrl"/> set), or refused by it (<see cref="ProviderError"/> set).</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Billing.CheckoutResult")]
public sealed record CheckoutResult([property: Id(0)] Guid PaymentId, [property: Id(1)] string? CheckoutUrl, [property: Id(2)] string? ProviderError);

/// <summary>
/// A project's credits: the balance and the checkouts that buy more. Debits are not here: each
/// reply debits in its own transaction (the balance row lock keeps that exact across silos), and
/// credits are granted only by a provider's verified notification (<see cref="PaymentNotifications"/>).
/// </summary>
[Alias("Zapnoty.Billing.IBillingGrain")]
public interface IBillingGrain : IGrainWithGuidKey
{
    [ReadOnly, Alias("Balance")] Task<CreditBalance> Balance();

    /// <summary>
    /// Opens a checkout for a pack at the provider that takes <paramref name="currency"/> (the
    /// pack's first currency with a provider when null); the payer's browser comes back to
    /// <paramref name="returnUrl"/>, which must be on this deployment's public address.
    /// </summary>
    [Alias("Checkout")] Task<CheckoutResult> Checkout(Actor actor, string packId, string? currency, string? returnUrl);

    [ReadOnly, Alias("Payment")] Task<Payment?> Payment(Guid paymentId);

    /// <summary>
    /// Development only (<c>Zapnoty:Billing:DevelopmentGrants</c>, refused elsewhere by the API):
    /// adds credits without a payment, once per <paramref name="reference"/>.
    /// </summary>
    [Alias("DevelopmentGrant")] Task<PurchaseResult> DevelopmentGrant(Actor actor, int amount, string reference);
}

/// <remarks>Reentrant: the grain keeps nothing in memory, the database orders every change, and a slow provider must not hold up balance reads.</remarks>
[Reentrant]
public sealed class BillingGrain(BillingStore store, PaymentStore payments, PaymentProviders providers, IOptions<BillingOptions> billing,
    IOptions<ChannelOptions> site, TimeProvider clock, ILogger<BillingGrain> log) : Grain, IBillingGrain
{
    public const int MaxPurchase = 1_000_000;

    private Guid ProjectId => this.GetPrimaryKey();

    public Task<CreditBalance> Balance() => store.Balance(ProjectId, clock.GetUtcNow(), CancellationToken.None);

    public Task<Payment?> Payment(Guid paymentId) => payments.Find(ProjectId, paymentId, CancellationToken.None);

    public async Task<CheckoutResult> Checkout(Actor actor, string packId, string? currency, string? returnUrl)
    {
        var pack = billing.Value.Pack(packId) ?? throw DomainException.Invalid("pack_id", $"There is no credit pack '{packId}' on sale (GET .../billing/packs lists them).");
        if (currency is not null && pack.MinorPrice(currency) is null)
            throw DomainException.Invalid("currency", $"The pack '{packId}' is not sold in '{currency}'; it is sold in {string.Join(", ", pack.Prices.Keys)}.");
        var offers = providers.Offers(pack);
        var offer = (currency is null ? offers.FirstOrDefault() : offers.FirstOrDefault(o => o.Currency == currency.ToUpperInvariant()))
            ?? throw DomainException.Conflict(providers.Enabled.Count == 0
                ? "No payment provider is configured on this server, so credits cannot be bought here."
                : $"No payment provider of this server takes {currency ?? string.Join(", ", pack.Prices.Keys)}.");
        var provider = offer.Provider;
        var paymentId = Guid.NewGuid();
        var back = ReturnUrls.Check(returnUrl, site.Value.PublicBaseUrl, ProjectId, paymentId);

        var now = clock.StoredNow();
        var payment = new Payment(paymentId, ProjectId, provider.Name, null, null, pack.Id, pack.Credits, offer.AmountMinor,
            offer.Currency, PaymentStatus.Pending, 0, null, now, now);
        await payments.Start(payment, new AuditEntry(now, actor, AuditActions.CheckoutStarted, paymentId.ToString(),
            new { provider = provider.Name, pack_id = pack.Id, credits = pack.Credits, amount = BillingOptions.Major(payment.AmountMinor), currency = payment.Currency }),
            CancellationToken.None);
        try
        {
            var started = await provider.StartCheckout(new CheckoutRequest(paymentId, ProjectId, pack.Id, pack.Credits, payment.AmountMinor, payment.Currency, back),
                CancellationToken.None);
            await payments.Opened(paymentId, started.ProviderPaymentId, started.CheckoutUrl, clock.StoredNow(), CancellationToken.None);
            return new CheckoutResult(paymentId, started.CheckoutUrl, null);
        }
        catch (PaymentProviderException e)
        {
            log.LogWarning(e, "Checkout {PaymentId} could not be opened at {Provider}", paymentId, provider.Name);
            var failedAt = clock.StoredNow();
            await payments.Cancel(paymentId, failedAt, p => new AuditEntry(failedAt, actor, AuditActions.PaymentCanceled, p.Id.ToString(),
                new { provider = p.Provider, reason = "provider_failed" }), CancellationToken.None);
            return new CheckoutResult(paymentId, null, e.Message);
        }
    }

    public async Task<PurchaseResult> DevelopmentGrant(Actor actor, int amount, string reference)
    {
        if (!billing.Value.DevelopmentGrants)
            throw DomainException.Forbidden("Credits are only bought (POST .../billing/checkout); development grants are off.");
        if (amount is < 1 or > MaxPurchase)
            throw DomainException.Invalid("amount", $"amount is a whole number of credits from 1 to {MaxPurchase}.");
        if (string.IsNullOrWhiteSpace(reference) || reference.Length > 200)
            throw DomainException.Invalid("reference", "reference must be 1 to 200 characters.");

        var now = clock.StoredNow();
        var (purchase, repeated) = await store.Purchase(ProjectId, now, amount, "development:" + reference,
            new AuditEntry(now, actor, AuditActions.CreditsGranted, reference, new { amount, development = true }), CancellationToken.None);
        if (repeated && purchase.Amount != amount)
            throw DomainException.Conflict($"Reference '{reference}' was already used for a grant of {purchase.Amount} credits.", "reference");
        return new PurchaseResult(purchase, await store.Balance(ProjectId, clock.GetUtcNow(), CancellationToken.None));
    }
}
