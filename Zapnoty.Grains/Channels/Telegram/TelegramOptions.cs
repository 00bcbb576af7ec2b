namespace Zapnoty.Grains.Channels.Telegram;

/// <summary>Where the Telegram Bot API is and how long one call may take (<c>Zapnoty:Telegram</c>).</summary>
public sealed class TelegramOptions
{
    public const string Section = "Zapnoty:Telegram";

    /// <summary>The Bot API server: Telegram's own, a self-hosted Bot API server, or a fake in tests.</summary>
    public string ApiBaseUrl { get; set; } = "https://api.telegram.org";

    /// <summary>
    /// How long one Bot API call may take. A send that runs out of it is a retryable failure,
    /// so this bounds how long a delivery queue waits on one message.
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(20);

    internal bool IsValid =>
        Uri.TryCreate(ApiBaseUrl, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
        && RequestTimeout > TimeSpan.Zero;
}
