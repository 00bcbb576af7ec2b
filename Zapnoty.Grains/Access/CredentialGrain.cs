using Zapnoty.Grains.Storage;
namespace Zapnoty.Grains.Access;

public sealed class CredentialGrain(AccessStore store, TimeProvider clock) : Grain, ICredentialGrain
{
    // An unknown secret is looked up again after this long, so a just-created one is not refused for long.
    private static readonly TimeSpan UnknownRetryAfter = TimeSpan.FromSeconds(5);

    private Credential? _credential;
    private DateTimeOffset _loadedAt = DateTimeOffset.MinValue;
    private bool _loaded;

    private byte[] Hash => Convert.FromHexString(this.GetPrimaryKeyString());

    public async Task<Credential?> Resolve()
    {
        var now = clock.StoredNow();
        if (!_loaded || (_credential is null && now - _loadedAt > UnknownRetryAfter))
        {
            _credential = await store.FindCredential(Hash, now, CancellationToken.None);
            _loaded = true;
            _loadedAt = now;
            if (_credential is null) DeactivateOnIdle();
        }
        if (_credential?.ExpiresAt is { } expires && expires <= now) return null;

        if (_credential is { Kind: CredentialKind.Session, ExpiresAt: { } expiresAt } && Sessions.ShouldSlide(expiresAt, now))
        {
            var extended = Sessions.ExpiryFrom(now);
            await store.ExtendSession(_credential.Id, extended, CancellationToken.None);
            _credential = _credential with { ExpiresAt = extended };
        }
        return _credential;
    }

    public async Task Revoke()
    {
        if (!_loaded) await Resolve();
        if (_credential is { Kind: CredentialKind.Session } session)
            await store.RevokeSession(session.Id, clock.StoredNow(), CancellationToken.None);
        await Forget();
    }

    public Task Forget()
    {
        _credential = null;
        _loaded = true;
        _loadedAt = DateTimeOffset.MaxValue; // never look a revoked secret up again in this activation
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}

/// <summary>Sessions last 30 days from their last use.</summary>
public static class Sessions
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(30);

    public static DateTimeOffset ExpiryFrom(DateTimeOffset now) => now + Lifetime;

    /// <summary>Extend at most about once a day: sliding expiry without a write per request.</summary>
    public static bool ShouldSlide(DateTimeOffset expiresAt, DateTimeOffset now) => expiresAt - now < Lifetime - TimeSpan.FromDays(1);
}
