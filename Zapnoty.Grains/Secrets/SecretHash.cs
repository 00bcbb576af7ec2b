using System.Security.Cryptography;
using System.Text;

namespace Zapnoty.Grains.Secrets;

/// <summary>
/// For secrets we only ever compare (the secret a messenger echoes on every webhook call): the
/// database keeps a SHA-256 hash. The secrets are 256 random bits, so a fast hash is enough.
/// </summary>
public static class SecretHash
{
    public const string Prefix = "sha256:";

    public static string Of(string secret) => Prefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public static bool IsHashed(string stored) => stored.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>Fixed-time; a stored value without the prefix is a plaintext row from before hashing.</summary>
    public static bool Matches(string presented, string stored) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(IsHashed(stored) ? Of(presented) : presented), Encoding.UTF8.GetBytes(stored));
}
