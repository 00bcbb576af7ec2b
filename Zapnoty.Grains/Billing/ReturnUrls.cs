namespace Zapnoty.Grains.Billing;

/// <summary>Where a payer's browser is sent back after the provider's checkout page.</summary>
public static class ReturnUrls
{
    public const int MaxLength = 2000;

    /// <summary>
    /// The dashboard's Billing screen for this payment when none is given; otherwise the given URL,
    /// which must be on the deployment's public address (same scheme, host, port and path prefix),
    /// so a checkout link can never bounce a payer to someone else's site.
    /// </summary>
    public static string Check(string? given, string publicBaseUrl, Guid projectId, Guid paymentId)
    {
        var site = new Uri(publicBaseUrl.TrimEnd('/') + "/");
        if (given is null) return new Uri(site, $"#/p/{projectId}/settings/billing/{paymentId}").ToString();
        if (given.Length > MaxLength || given.Any(char.IsControl) || !Uri.TryCreate(given, UriKind.Absolute, out var url)
            || url.Scheme is not ("http" or "https") || url.UserInfo.Length > 0
            || Uri.Compare(url, site, UriComponents.SchemeAndServer, UriFormat.UriEscaped, StringComparison.OrdinalIgnoreCase) != 0
            || !url.AbsolutePath.StartsWith(site.AbsolutePath, StringComparison.Ordinal))
            throw DomainException.Invalid("return_url", $"return_url must be an address of this service, under {site}.");
        return url.ToString();
    }
}
