using System.Security.Cryptography;
using System.Text;

namespace Zapnoty.Grains.Webhooks;

/// <summary>
/// Standard Webhooks signatures: <c>v1,</c> + base64 HMAC-SHA256 of <c>{id}.{timestamp}.{body}</c>,
/// keyed with the base64-decoded part of the secret after <c>whsec_</c>. Several secrets (during
/// a rotation) give several signatures, space-separated; a receiver accepts any that matches.
/// </summary>
public static class WebhookSigning
{
    public const string SecretPrefix = "whsec_";

    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public static string Sign(string id, long timestamp, string body, IEnumerable<string> secrets)
    {
        var content = Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}");
        return string.Join(' ', secrets.Select(secret =>
            "v1," + Convert.ToBase64String(HMACSHA256.HashData(Convert.FromBase64String(secret[SecretPrefix.Length..]), content))));
    }
}
