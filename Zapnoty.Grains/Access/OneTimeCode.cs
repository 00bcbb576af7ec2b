using System.Security.Cryptography;
using System.Text;

namespace Zapnoty.Grains.Access;

/// <summary>The 6-digit codes people receive by email (login, ownership transfer).</summary>
public static class OneTimeCode
{
    public static string New() => RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6");

    /// <summary>
    /// Codes are short, so their hash is keyed by what they are for (an address, a project):
    /// equal codes for two purposes hash differently and a leaked table reveals nothing reusable.
    /// </summary>
    public static byte[] Hash(string scope, string code) => SHA256.HashData(Encoding.UTF8.GetBytes($"{scope}\n{code}"));

    public static bool Matches(byte[] storedHash, string scope, string? code) =>
        code is not null && CryptographicOperations.FixedTimeEquals(storedHash, Hash(scope, code));
}
