using System.Security.Cryptography;
using System.Text;

namespace Zapnoty.Bench;

/// <summary>
/// Standard Webhooks signatures written from the spec, not taken from Zapnoty: the receiver
/// checks Zapnoty's signatures with it, and the raw baseline signs its own requests the same way
/// (so both sides pay for one HMAC per request).
/// </summary>
public static class StandardWebhookSignature
{
    public static string Sign(string secret, string id, string timestamp, string body)
    {
        var key = Convert.FromBase64String(secret.StartsWith("whsec_", StringComparison.Ordinal) ? secret["whsec_".Length..] : secret);
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}")));
    }

    /// <summary>The header may carry several signatures (during a secret rotation); one match is enough.</summary>
    public static bool Verify(string secret, string id, string timestamp, string body, string header) =>
        header.Split(' ').Contains(Sign(secret, id, timestamp, body));
}
