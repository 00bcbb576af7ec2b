namespace Zapnoty.Grains.Billing.Payments;

/// <summary><c>Zapnoty:Payments</c>: the payment providers of this deployment; a provider without keys is off.</summary>
public sealed class PaymentOptions
{
    public const string Section = "Zapnoty:Payments";

    public StripeOptions Stripe { get; set; } = new();
    public YooKassaOptions YooKassa { get; set; } = new();

    /// <summary>A whole call to a provider (all its retries included) ends after this.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(15);

    public bool IsValid => RequestTimeout > TimeSpan.Zero && Stripe.IsValid && YooKassa.IsValid;
}

/// <summary>Stripe Checkout (<c>Zapnoty:Payments:Stripe</c>).</summary>
public sealed class StripeOptions
{
    public string ApiBaseUrl { get; set; } = "https://api.stripe.com";
    public string? SecretKey { get; set; }

    /// <summary>The webhook endpoint's signing secret (<c>whsec_...</c>): notifications are verified with it.</summary>
    public string? WebhookSecret { get; set; }

    /// <summary>The currencies checkouts go to Stripe in, comma-separated.</summary>
    public string Currencies { get; set; } = "USD,EUR";

    public bool Enabled => !string.IsNullOrWhiteSpace(SecretKey) && !string.IsNullOrWhiteSpace(WebhookSecret);

    public bool IsValid => PaymentUrls.IsHttp(ApiBaseUrl) && (string.IsNullOrWhiteSpace(SecretKey) == string.IsNullOrWhiteSpace(WebhookSecret));
}

/// <summary>YooKassa's HTTP API v3 (<c>Zapnoty:Payments:YooKassa</c>).</summary>
public sealed class YooKassaOptions
{
    public string ApiBaseUrl { get; set; } = "https://api.yookassa.ru/v3";
    public string? ShopId { get; set; }
    public string? SecretKey { get; set; }

    /// <summary>The currencies checkouts go to YooKassa in, comma-separated.</summary>
    public string Currencies { get; set; } = "RUB";

    public bool Enabled => !string.IsNullOrWhiteSpace(ShopId) && !string.IsNullOrWhiteSpace(SecretKey);

    public bool IsValid => PaymentUrls.IsHttp(ApiBaseUrl) && (string.IsNullOrWhiteSpace(ShopId) == string.IsNullOrWhiteSpace(SecretKey));

    /// <summary>The base with a trailing slash, so relative paths (<c>payments</c>) stay under <c>/v3/</c>.</summary>
    public Uri BaseAddress => new(ApiBaseUrl.TrimEnd('/') + "/");
}

public static class PaymentUrls
{
    public static bool IsHttp(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https";
}
