namespace Zapnoty.Grains.Live;

/// <summary>
/// The leases of the project's open event streams per person, across the cluster: a person's
/// cap holds however many silos their tabs reach. Kept in memory only: should the hub restart,
/// the next renewals bring the open streams back.
/// </summary>
public sealed partial class LiveHubGrain
{
    private readonly Dictionary<Guid, Dictionary<Guid, DateTimeOffset>> _streams = [];

    public Task<bool> TakeStream(Guid person, Guid lease, int limit, TimeSpan lifetime)
    {
        var now = clock.GetUtcNow();
        if (!_streams.TryGetValue(person, out var leases)) _streams[person] = leases = [];
        foreach (var lapsed in leases.Where(l => l.Value <= now).Select(l => l.Key).ToList()) leases.Remove(lapsed);
        if (leases.Count >= limit) return Task.FromResult(false);
        leases[lease] = now + lifetime;
        return Task.FromResult(true);
    }

    /// <summary>A lease this activation does not know (the hub restarted) is taken again, whatever the count.</summary>
    public Task RenewStream(Guid person, Guid lease, TimeSpan lifetime)
    {
        if (!_streams.TryGetValue(person, out var leases)) _streams[person] = leases = [];
        leases[lease] = clock.GetUtcNow() + lifetime;
        return Task.CompletedTask;
    }

    public Task ReleaseStream(Guid person, Guid lease)
    {
        if (_streams.TryGetValue(person, out var leases) && leases.Remove(lease) && leases.Count == 0) _streams.Remove(person);
        return Task.CompletedTask;
    }
}
