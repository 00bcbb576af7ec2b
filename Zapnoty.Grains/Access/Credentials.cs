using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace Zapnoty.Grains.Access;

/// <summary>
/// Bearer secrets: 32 random bytes, base64url, with a prefix that says what they are
/// (<c>zk_</c> project API key, <c>zs_</c> user session). Only their SHA-256 is stored.
/// </summary>
public static class Credentials
{
    public const string ApiKeyPrefix = "zk_";
    public const string SessionPrefix = "zs_";

    public static string NewApiKey() => ApiKeyPrefix + RandomSecret();
    public static string NewSessionToken() => SessionPrefix + RandomSecret();

    public static byte[] Hash(string secret) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret));

    /// <summary>The key of the credential grain that caches what a secret stands for.</summary>
    public static string GrainKey(byte[] hash) => Convert.ToHexStringLower(hash);
    public static string GrainKey(string secret) => GrainKey(Hash(secret));

    /// <summary>
    /// Tells the credential grains of just-revoked secrets to drop them. The revocation is already
    /// committed, so a failure is logged, not thrown: a grain that missed it re-reads its secret
    /// within <see cref="CredentialOptions.RecheckPeriod"/> and drops it then.
    /// </summary>
    public static async Task Forget(IGrainFactory grains, IReadOnlyCollection<byte[]> hashes, ILogger log)
    {
        try
        {
            await Task.WhenAll(hashes.Select(hash => grains.GetGrain<ICredentialGrain>(GrainKey(hash)).Forget()));
        }
        catch (Exception e)
        {
            log.LogWarning(e, "{Count} revoked credentials could not all be dropped from the cache; they stop working at their next re-check", hashes.Count);
        }
    }

    private static string RandomSecret() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
