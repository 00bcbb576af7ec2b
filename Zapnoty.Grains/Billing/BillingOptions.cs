using System.Globalization;

namespace Zapnoty.Grains.Billing;

/// <summary>A pack of credits on sale, with its price in each currency it is sold in (<c>Zapnoty:Billing:Packs</c>).</summary>
public sealed class CreditPack
{
    public string Id { get; set; } = "";
    public int Credits { get; set; }

    /// <summary>Currency code (ISO 4217, e.g. <c>USD</c>, <c>RUB</c>) to price in major units (<c>9.90</c>).</summary>
    public Dictionary<string, decimal> Prices { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The price in minor units (cents, kopecks) in <paramref name="currency"/>, if the pack is sold in it.</summary>
    public long? MinorPrice(string currency) =>
        Prices.Where(p => string.Equals(p.Key, currency, StringComparison.OrdinalIgnoreCase)).Select(p => (long?)(long)(p.Value * 100)).FirstOrDefault();
}

/// <summary><c>Zapnoty:Billing</c>: the packs on sale and the development-only grant switch.</summary>
public sealed class BillingOptions
{
    public const string Section = "Zapnoty:Billing";

    /// <summary>Packs on sale; when none are configured, <see cref="DefaultPacks"/>.</summary>
    public List<CreditPack> Packs { get; set; } = [];

    /// <summary>
    /// Keeps <c>POST .../billing/credits</c> (credits without a payment) for local trials. Off by
    /// default; a silo with it on refuses to start outside the <c>Development</c> environment.
    /// </summary>
    public bool DevelopmentGrants { get; set; }

    public IReadOnlyList<CreditPack> PacksOnSale => Packs.Count > 0 ? Packs : DefaultPacks;

    public static readonly IReadOnlyList<CreditPack> DefaultPacks =
    [
        new() { Id = "credits-500", Credits = 500, Prices = new(StringComparer.OrdinalIgnoreCase) { ["USD"] = 10m, ["EUR"] = 10m, ["RUB"] = 900m } },
        new() { Id = "credits-2000", Credits = 2000, Prices = new(StringComparer.OrdinalIgnoreCase) { ["USD"] = 35m, ["EUR"] = 35m, ["RUB"] = 3200m } },
        new() { Id = "credits-10000", Credits = 10_000, Prices = new(StringComparer.OrdinalIgnoreCase) { ["USD"] = 150m, ["EUR"] = 150m, ["RUB"] = 13_500m } },
    ];

    /// <summary>
    /// Ids are short and unique, credits 1 to 1,000,000, and every price positive with at most two
    /// decimals in a three-letter currency (minor units are hundredths for every currency we sell in).
    /// </summary>
    public bool IsValid =>
        PacksOnSale.Select(p => p.Id).Distinct(StringComparer.Ordinal).Count() == PacksOnSale.Count
        && PacksOnSale.All(p => p.Id.Length is > 0 and <= 40 && p.Credits is > 0 and <= 1_000_000 && p.Prices.Count > 0
            && p.Prices.All(price => price.Key.Length == 3 && price.Key.All(char.IsAsciiLetter)
                && price.Value > 0 && decimal.Round(price.Value, 2) == price.Value));

    public CreditPack? Pack(string id) => PacksOnSale.FirstOrDefault(p => p.Id == id);

    /// <summary>Minor units as the wire's decimal amount, e.g. 990 → <c>9.90</c>.</summary>
    public static string Major(long minor) => (minor / 100m).ToString("0.00", CultureInfo.InvariantCulture);
}
