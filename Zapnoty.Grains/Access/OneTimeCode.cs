using System.Security.Cryptography;
using System.Text;

namespace Zapnoty.Grains.Access;

/// <summary>
/// The 8-digit codes people receive by email (login, ownership transfer). Eight rather than six:
/// the failure budgets bound how many guesses a stranger gets per address and day, and 10⁸
/// makes each of them a hundred times less likely to hit than 10⁶ would, for two more keystrokes.
/// </summary>
public static class OneTimeCode
{
    public const int Digits = 8;

    public static string New() => RandomNumberGenerator.GetInt32(0, 100_000_000).ToString("D8");

    /// <summary>Whether <paramref name="code"/> has the shape of a code; anything else is a 400, not a wrong try.</summary>
    public static bool IsWellFormed(string? code) => code is { Length: Digits } && code.All(char.IsAsciiDigit);

    /// <summary>
    /// Codes are short, so their hash is keyed by what they are for (an address, a project):
    /// equal codes for two purposes hash differently and a leaked table reveals nothing reusable.
    /// </summary>
    public static byte[] Hash(string scope, string code) => SHA256.HashData(Encoding.UTF8.GetBytes($"{scope}\n{code}"));

    public static bool Matches(byte[] storedHash, string scope, string? code) =>
        code is not null && CryptographicOperations.FixedTimeEquals(storedHash, Hash(scope, code));
}
