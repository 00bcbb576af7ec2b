using Microsoft.Extensions.Logging;
using Zapnoty.Grains.Live;

namespace Zapnoty.Api.Live;

/// <summary>
/// One stream's lease at its project's hub, which counts a person's open streams across the
/// cluster. Renewed while the stream runs (every heartbeat period at most); a silo that dies
/// without releasing lets its leases lapse after three periods.
/// </summary>
public sealed class LiveStreamLease(ILiveHubGrain hub, Guid person, LiveOptions options, ILogger log)
{
    private readonly Guid _id = Guid.NewGuid();
    private readonly TimeSpan _lifetime = options.HeartbeatPeriod * 3;
    private long _renewedAt = Environment.TickCount64;

    /// <summary>
    /// False when the person's streams in the project are all held. A hub that cannot answer (a
    /// silo of the previous release during a rolling upgrade has no such method) lets the stream
    /// open: the per-silo cap still holds, and a live update matters more than the count.
    /// </summary>
    public async Task<bool> Take()
    {
        try
        {
            return await hub.TakeStream(person, _id, options.StreamsPerPerson, _lifetime);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogWarning("The live hub did not count a stream of {PersonId}; only this silo's cap applies: {Error}", person, e.Message);
            return true;
        }
    }

    /// <summary>Cheap when not due: the stream's loop calls it on every turn.</summary>
    public void RenewIfDue()
    {
        var now = Environment.TickCount64;
        if (now - _renewedAt < (long)options.HeartbeatPeriod.TotalMilliseconds) return;
        _renewedAt = now;
        hub.RenewStream(person, _id, _lifetime).Ignore();
    }

    public void Release() => hub.ReleaseStream(person, _id).Ignore();
}
