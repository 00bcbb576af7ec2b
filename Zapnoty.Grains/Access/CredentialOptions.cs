namespace Zapnoty.Grains.Access;

/// <summary>Configuration section <c>Zapnoty:Credentials</c>.</summary>
public sealed class CredentialOptions
{
    public const string Section = "Zapnoty:Credentials";

    /// <summary>
    /// How often a credential in use is read again from PostgreSQL (so a revocation that did not
    /// reach its grain still takes effect) and its last use written (so that is no write per request).
    /// </summary>
    public TimeSpan RecheckPeriod { get; set; } = TimeSpan.FromMinutes(1);
}
