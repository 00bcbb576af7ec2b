using Orleans.Concurrency;

namespace Zapnoty.Grains.Access;

[GenerateSerializer]
public enum CredentialKind { Session, ApiKey }

/// <summary>What a valid bearer secret stands for.</summary>
[GenerateSerializer, Immutable]
public sealed record Credential(
    [property: Id(0)] CredentialKind Kind,
    [property: Id(1)] Guid Id,
    [property: Id(2)] Guid? UserId,
    [property: Id(3)] string? Email,
    [property: Id(4)] Guid? ProjectId,
    [property: Id(5)] DateTimeOffset? ExpiresAt);

/// <summary>
/// One per bearer secret (keyed by its SHA-256 in hex). Caches the lookup so a request costs
/// no query, and since every revocation goes through the same activation, no silo can keep
/// honouring a revoked secret.
/// </summary>
public interface ICredentialGrain : IGrainWithStringKey
{
    /// <summary>The credential, or null when the secret is unknown, expired or revoked.</summary>
    [ReadOnly] Task<Credential?> Resolve();

    /// <summary>Revokes a session (logout). API keys are revoked through their project.</summary>
    Task Revoke();

    /// <summary>Drops the cached lookup after the secret was revoked elsewhere.</summary>
    Task Forget();
}
