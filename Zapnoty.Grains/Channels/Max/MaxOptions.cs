namespace Zapnoty.Grains.Channels.Max;

/// <summary>Where the Max Bot API is and how long one call may take (<c>Zapnoty:Max</c>).</summary>
public sealed class MaxOptions
{
    public const string Section = "Zapnoty:Max";

    /// <summary>The Bot API server: Max's own, or a fake in tests.</summary>
    public string ApiBaseUrl { get; set; } = "https://platform-api2.max.ru";

    /// <summary>
    /// How long one Bot API call may take. A send that runs out of it is a retryable failure,
    /// so this bounds how long a delivery queue waits on one message.
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// The hosts (and their subdomains) Max serves attachment files from, fetched over HTTPS only.
    /// An attachment URL elsewhere is never fetched: whatever is in a webhook body must not make
    /// the server call an address of someone's choosing. The Bot API server itself is trusted too.
    /// </summary>
    public string[] FileHosts { get; set; } = ["oneme.ru", "max.ru"];

    /// <summary>True for an address Max serves files from (see <see cref="FileHosts"/>).</summary>
    internal bool IsFileAddress(Uri url)
    {
        if (!url.IsAbsoluteUri || !string.IsNullOrEmpty(url.UserInfo)) return false;
        if (Uri.Compare(url, BaseAddress, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0) return true;
        return url.Scheme == Uri.UriSchemeHttps && url.IsDefaultPort
            && FileHosts.Any(host => url.Host.Equals(host, StringComparison.OrdinalIgnoreCase)
                || url.Host.EndsWith("." + host, StringComparison.OrdinalIgnoreCase));
    }

    internal bool IsValid =>
        Uri.TryCreate(ApiBaseUrl, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
        && RequestTimeout > TimeSpan.Zero;

    /// <summary>The base with a trailing slash, so relative method paths keep any path prefix of it.</summary>
    internal Uri BaseAddress => new(ApiBaseUrl.TrimEnd('/') + "/");
}
