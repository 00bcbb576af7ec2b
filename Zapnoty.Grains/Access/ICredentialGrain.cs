using Orleans.Concurrency;

namespace Zapnoty.Grains.Access;

[GenerateSerializer]
[Alias("Zapnoty.Grains.Access.CredentialKind")]
public enum CredentialKind { Session, ApiKey }

/// <summary>What a valid bearer secret stands for.</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Access.Credential")]
public sealed record Credential(
    [property: Id(0)] CredentialKind Kind,
    [property: Id(1)] Guid Id,
    [property: Id(2)] Guid? UserId,
    [property: Id(3)] string? Email,
    [property: Id(4)] Guid? ProjectId,
    [property: Id(5)] DateTimeOffset? ExpiresAt,
    [property: Id(6)] IReadOnlyList<ApiKeyScope>? Scopes = null,
    [property: Id(7)] DateTimeOffset? CreatedAt = null);

/// <summary>Where a request came from, kept (at most once a minute) as a session's "last seen from".</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Access.ClientSeen")]
public sealed record ClientSeen([property: Id(0)] string? Network, [property: Id(1)] string? UserAgent)
{
    public const int MaxUserAgentLength = 200;

    /// <summary>The user agent cut to a length worth showing, without control characters.</summary>
    public static ClientSeen Of(string? network, string? userAgent)
    {
        var agent = userAgent is null ? null : new string(userAgent.Where(c => !char.IsControl(c)).Take(MaxUserAgentLength).ToArray()).Trim();
        return new ClientSeen(network, string.IsNullOrEmpty(agent) ? null : agent);
    }
}

/// <summary>
/// One per bearer secret (keyed by its SHA-256 in hex). Caches the lookup so a request costs
/// no query, and since every revocation goes through the same activation, no silo can keep
/// honouring a revoked secret. The cache is read again from PostgreSQL every minute while the
/// secret is used, so a revocation whose <see cref="Forget"/> was lost still takes effect.
/// </summary>
[Alias("Zapnoty.Grains.Access.ICredentialGrain")]
public interface ICredentialGrain : IGrainWithStringKey
{
    /// <summary>
    /// The credential, or null when the secret is unknown, expired or revoked. <paramref name="seen"/>
    /// is recorded as the credential's last use (at most once a minute).
    /// </summary>
    [Alias("61209ABC")]
    [ReadOnly] Task<Credential?> Resolve(ClientSeen? seen);

    /// <summary>Revokes a session (logout). API keys are revoked through their project.</summary>
    [Alias("640831FE")]
    Task Revoke();

    /// <summary>Drops the cached lookup after the secret was revoked elsewhere.</summary>
    [Alias("F72B459E")]
    Task Forget();
}
