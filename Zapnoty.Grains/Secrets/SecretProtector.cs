using Microsoft.AspNetCore.DataProtection;

namespace Zapnoty.Grains.Secrets;

/// <summary>
/// Encrypts the secrets the product must read back (bot tokens, webhook signing secrets, payment
/// provider keys kept in the database) with ASP.NET Core Data Protection, whose key ring lives in
/// PostgreSQL and is shared by every silo. Each kind of secret has its own purpose, so a
/// ciphertext of one kind never decrypts as another.
/// </summary>
public sealed class SecretProtector(IDataProtectionProvider provider)
{
    /// <summary>Marks a stored value as ciphertext; anything else is a row from before encryption.</summary>
    public const string Prefix = "dp1:";

    public string Protect(string purpose, string plaintext) => Prefix + provider.CreateProtector(purpose).Protect(plaintext);

    /// <summary>The plaintext; a value without the prefix was stored before encryption and is returned as it is.</summary>
    public string Unprotect(string purpose, string stored) =>
        IsProtected(stored) ? provider.CreateProtector(purpose).Unprotect(stored[Prefix.Length..]) : stored;

    public static bool IsProtected(string stored) => stored.StartsWith(Prefix, StringComparison.Ordinal);
}

/// <summary>The purposes of the secrets we keep; a new kind of secret gets a new one.</summary>
public static class SecretPurposes
{
    public const string BotToken = "Zapnoty.Channels.BotToken.v1";
    public const string WebhookSigningSecret = "Zapnoty.Webhooks.SigningSecret.v1";
}
