using Microsoft.Extensions.Logging;
using Zapnoty.Grains.Storage;

namespace Zapnoty.Grains.Access;

public sealed class SessionsGrain(AccessStore store, TimeProvider clock, ILogger<SessionsGrain> log) : Grain, ISessionsGrain
{
    /// <summary>Enough for every device a person uses; older ones still end with "log out everywhere".</summary>
    public const int MaxListed = 100;

    private Guid UserId => this.GetPrimaryKey();

    public Task<IReadOnlyList<SessionView>> List() =>
        store.ListSessions(UserId, clock.StoredNow(), Sessions.AbsoluteLifetime, MaxListed, CancellationToken.None);

    public async Task Revoke(Guid sessionId)
    {
        var revoked = await store.RevokeSessionsOf(UserId, sessionId, clock.StoredNow(), CancellationToken.None);
        if (revoked.Count == 0) throw DomainException.NotFound($"Session {sessionId} does not exist or has already ended.");
        await Forget(revoked);
    }

    public async Task<int> RevokeAll()
    {
        var revoked = await store.RevokeSessionsOf(UserId, sessionId: null, clock.StoredNow(), CancellationToken.None);
        await Forget(revoked);
        log.LogInformation("All {Count} sessions of user {UserId} ended", revoked.Count, UserId);
        return revoked.Count;
    }

    private Task Forget(IReadOnlyList<byte[]> hashes) => Credentials.Forget(GrainFactory, hashes, log);
}
