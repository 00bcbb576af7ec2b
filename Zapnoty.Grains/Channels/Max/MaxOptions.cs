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

    internal bool IsValid =>
        Uri.TryCreate(ApiBaseUrl, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
        && RequestTimeout > TimeSpan.Zero;

    /// <summary>The base with a trailing slash, so relative method paths keep any path prefix of it.</summary>
    internal Uri BaseAddress => new(ApiBaseUrl.TrimEnd('/') + "/");
}
