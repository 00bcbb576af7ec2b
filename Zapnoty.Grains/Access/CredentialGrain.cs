using Microsoft.Extensions.Options;
using Zapnoty.Grains.Storage;
namespace Zapnoty.Grains.Access;

public sealed class CredentialGrain(AccessStore store, TimeProvider clock, IOptions<CredentialOptions> options) : Grain, ICredentialGrain
{
    // An unknown secret is looked up again after this long, so a just-created one is not refused for long.
    private static readonly TimeSpan UnknownRetryAfter = TimeSpan.FromSeconds(5);

    private Credential? _credential;
    private DateTimeOffset _loadedAt = DateTimeOffset.MinValue;
    private DateTimeOffset _touchedAt = DateTimeOffset.MinValue;
    private bool _loaded;

    private byte[] Hash => Convert.FromHexString(this.GetPrimaryKeyString());
    private TimeSpan RecheckPeriod => options.Value.RecheckPeriod;

    public async Task<Credential?> Resolve(ClientSeen? seen)
    {
        var now = clock.StoredNow();
        if (!_loaded || now - _loadedAt > (_credential is null ? UnknownRetryAfter : RecheckPeriod))
        {
            // Marked first: concurrent (interleaved) calls do not all read at once.
            _loadedAt = now;
            _credential = await store.FindCredential(Hash, now, Sessions.AbsoluteLifetime, CancellationToken.None);
            _loaded = true;
            if (_credential is null) DeactivateOnIdle();
        }
        if (_credential is null || _credential.ExpiresAt is { } expires && expires <= now) return null;

        if (now - _touchedAt >= RecheckPeriod)
        {
            _touchedAt = now;
            await store.Touch(_credential, now, seen, CancellationToken.None);
        }
        if (_credential is { Kind: CredentialKind.Session, ExpiresAt: { } expiresAt, CreatedAt: { } createdAt }
            && Sessions.ShouldSlide(expiresAt, createdAt, now))
        {
            var extended = Sessions.ExpiryFrom(now, createdAt);
            await store.ExtendSession(_credential.Id, extended, CancellationToken.None);
            _credential = _credential with { ExpiresAt = extended };
        }
        return _credential;
    }

    public async Task Revoke()
    {
        if (!_loaded) await Resolve(null);
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

/// <summary>
/// Sessions last 30 days from their last use (sliding), and never longer than 90 days from the
/// login (absolute): a token stolen once cannot be kept alive by using it.
/// </summary>
public static class Sessions
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(30);
    public static readonly TimeSpan AbsoluteLifetime = TimeSpan.FromDays(90);

    /// <summary>The expiry of a session opened now.</summary>
    public static DateTimeOffset ExpiryFrom(DateTimeOffset now) => now + Lifetime;

    /// <summary>The expiry of a session opened at <paramref name="createdAt"/> and used now.</summary>
    public static DateTimeOffset ExpiryFrom(DateTimeOffset now, DateTimeOffset createdAt) =>
        Min(now + Lifetime, createdAt + AbsoluteLifetime);

    /// <summary>Extend when it gains at least a day: sliding expiry without a write per request.</summary>
    public static bool ShouldSlide(DateTimeOffset expiresAt, DateTimeOffset createdAt, DateTimeOffset now) =>
        ExpiryFrom(now, createdAt) - expiresAt >= TimeSpan.FromDays(1);

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
