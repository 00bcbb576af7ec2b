namespace Zapnoty.Grains.Billing.Payments;

public static class PaymentProviderNames
{
    public const string Stripe = "stripe";
    public const string YooKassa = "yookassa";
}

/// <summary>A checkout to open at the provider: our payment id (also its idempotency key), what is sold, for how much, where to come back.</summary>
public sealed record CheckoutRequest(Guid PaymentId, Guid ProjectId, string PackId, int Credits, long AmountMinor, string Currency, string ReturnUrl)
{
    public string Description => $"{Credits} Zapnoty credits";

    /// <summary>What we attach to the provider's payment and check again when it reports back.</summary>
    public Dictionary<string, string> Metadata => new()
    {
        [PaymentNotice.PaymentIdKey] = PaymentId.ToString(),
        ["project_id"] = ProjectId.ToString(),
        ["pack_id"] = PackId,
    };
}

/// <summary>The provider's id for the checkout and the page the payer's browser goes to.</summary>
public sealed record StartedCheckout(string ProviderPaymentId, string CheckoutUrl);

/// <summary>The provider refused, failed or did not answer in time; nothing was charged.</summary>
public sealed class PaymentProviderException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// One payment provider. A deployment configures Stripe, YooKassa or both; each takes the
/// currencies its configuration names. Notifications are provider-specific (a signature for
/// Stripe, a read-back for YooKassa) and end as a verified <see cref="PaymentNotice"/>.
/// </summary>
public interface IPaymentProvider
{
    string Name { get; }

    /// <summary>Keys are configured, so checkouts and notifications are accepted.</summary>
    bool Enabled { get; }

    /// <summary>The currencies checkouts go to this provider in (upper case, in the configured order).</summary>
    IReadOnlyList<string> Currencies { get; }

    /// <summary>Opens a checkout; throws <see cref="PaymentProviderException"/> when the provider fails or is too slow.</summary>
    Task<StartedCheckout> StartCheckout(CheckoutRequest request, CancellationToken cancellationToken);
}

/// <summary>A pack as one provider sells it: in one currency, for an amount in minor units.</summary>
public sealed record PackOffer(IPaymentProvider Provider, string Currency, long AmountMinor);

/// <summary>The providers of this deployment: the first enabled one that takes a currency gets its checkouts.</summary>
public sealed class PaymentProviders(IEnumerable<IPaymentProvider> providers)
{
    public IReadOnlyList<IPaymentProvider> Enabled { get; } = providers.Where(p => p.Enabled).ToList();

    public IPaymentProvider? For(string currency) => Enabled.FirstOrDefault(p => p.Currencies.Contains(currency.ToUpperInvariant()));

    /// <summary>How a pack can be bought here, Stripe's currencies first, each in its configured order; the first is the default.</summary>
    public IReadOnlyList<PackOffer> Offers(CreditPack pack) =>
        [.. from provider in Enabled
            from currency in provider.Currencies
            where For(currency) == provider && pack.MinorPrice(currency) is not null
            select new PackOffer(provider, currency, pack.MinorPrice(currency)!.Value)];

    /// <summary>A comma-separated configured list as upper-case codes.</summary>
    public static IReadOnlyList<string> List(string currencies) =>
        [.. currencies.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(c => c.ToUpperInvariant())];
}

public enum PaymentEvent
{
    /// <summary>The money was taken.</summary>
    Paid,
    /// <summary>The checkout ended without a payment (expired, cancelled, declined).</summary>
    Canceled,
    /// <summary>Some or all of the money went back (<see cref="PaymentNotice.RefundedMinor"/> is the total so far).</summary>
    Refunded,
    /// <summary>The payer disputed the charge (a chargeback): every credit of the payment goes back.</summary>
    Disputed,
}

/// <summary>
/// What a provider said happened to a payment, after it was verified. The payment is named by
/// the provider's payment id or, for Stripe refunds and disputes, by its charge (PaymentIntent).
/// </summary>
public sealed record PaymentNotice(string Provider, PaymentEvent Event, string? ProviderPaymentId, string? ChargeId,
    long AmountMinor, string? Currency, Guid? PaymentId, long RefundedMinor = 0)
{
    public const string PaymentIdKey = "payment_id";
}
