using System.Globalization;
using System.Security.Cryptography;
using System.Text;

public static class ZapnotyWebhook
{
    /// <summary>How far webhook-timestamp may be from this machine's clock.</summary>
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    /// <summary>
    /// True when the request was signed with the endpoint's secret (whsec_...) and is fresh.
    /// Pass the three headers as received and the body's raw bytes, before any JSON parsing.
    /// </summary>
    public static bool Verify(string secret, string? webhookId, string? webhookTimestamp, string? webhookSignature,
        byte[] body, DateTimeOffset? now = null)
    {
        if (string.IsNullOrEmpty(webhookId) || string.IsNullOrEmpty(webhookSignature)
            || !long.TryParse(webhookTimestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var sentAt))
            return false;
        // A replayed request carries its old timestamp, which the signature covers.
        var nowSeconds = (now ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds();
        if (Math.Abs(nowSeconds - sentAt) > (long)Tolerance.TotalSeconds) return false;

        var key = Convert.FromBase64String(secret.StartsWith("whsec_", StringComparison.Ordinal) ? secret[6..] : secret);
        byte[] signed = [.. Encoding.UTF8.GetBytes($"{webhookId}.{webhookTimestamp}."), .. body];
        var expected = Encoding.ASCII.GetBytes("v1," + Convert.ToBase64String(HMACSHA256.HashData(key, signed)));
        // During a secret rotation the header holds two signatures, space-separated: accept either.
        return webhookSignature.Split(' ').Any(candidate =>
            CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(candidate), expected));
    }
}
