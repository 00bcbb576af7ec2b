using Microsoft.Extensions.Logging;
using Zapnoty.Grains.RateLimiting;

namespace Zapnoty.Api.RateLimiting;

/// <summary>What a client is told about its budget on every answer of a limited route.</summary>
public readonly record struct RateState(RateBudget Budget, int Remaining, TimeSpan RetryAfter)
{
    /// <summary>Seconds until the budget is whole again.</summary>
    public int ResetSeconds => (int)Math.Ceiling((Budget.Burst - Remaining) / Budget.PerSecond);
}

/// <summary>
/// One silo's share of one partition's budget: permits taken from the budget's source (the
/// partition's grain, or a bucket of its own) in batches and spent locally without a call.
/// A batch starts at one permit and doubles while the client uses each batch up, to
/// <c>maxLease</c>; permits left unused after <c>lifetime</c> are dropped and the next batch is
/// one again, so an idle or departed client strands at most a batch per silo.
/// </summary>
public sealed class LeasedBucket(RateBudget budget, Func<int, Task<RateGrant>> source, int maxLease, TimeSpan lifetime,
    TimeProvider clock, ILogger log)
{
    private readonly Lock _gate = new();
    private int _tokens;
    private long _expires;
    private int _nextLease = 1;
    private RateGrant _last = new(0, budget.Burst, TimeSpan.Zero, TimeSpan.Zero);
    private Task<RateGrant>? _fetching;
    private bool _warned;

    /// <summary>When a request last asked (a <see cref="TimeProvider"/> timestamp), for dropping idle buckets.</summary>
    public long LastUsed { get; private set; }

    /// <summary>A permit from this silo's batch, without waiting; false when the batch is spent.</summary>
    public bool TryTake(out RateState state)
    {
        lock (_gate)
        {
            var now = clock.GetTimestamp();
            LastUsed = now;
            DropExpired(now);
            if (_tokens > 0)
            {
                _tokens--;
                state = State();
                return true;
            }
            state = default;
            return false;
        }
    }

    /// <summary>A permit, fetching a new batch when this silo's is spent; false when the whole budget is.</summary>
    public async ValueTask<(bool Acquired, RateState State)> Take(CancellationToken cancellationToken)
    {
        // Requests waiting on one fetch share its batch; those it was too small for fetch again.
        // Only a budget that grants nothing refuses: a crowd never loses to its own batch size.
        while (true)
        {
            if (TryTake(out var state)) return (true, state);
            Task<RateGrant> fetch;
            lock (_gate)
            {
                if (_fetching is not { IsCompleted: false }) _fetching = Fetch();
                fetch = _fetching;
            }
            if ((await fetch.WaitAsync(cancellationToken)).Granted > 0) continue;
            if (TryTake(out var late)) return (true, late);
            lock (_gate) return (false, State());
        }
    }

    private async Task<RateGrant> Fetch()
    {
        int wanted;
        lock (_gate) wanted = _nextLease;
        RateGrant grant;
        try
        {
            grant = await source(wanted);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The API stays up when the budget's silo is unreachable: the requests go through unlimited
            // until it answers again. Warned once per partition, not per request.
            if (!_warned) log.LogWarning(e, "Rate limit budget unreachable; letting requests through");
            _warned = true;
            grant = new RateGrant(wanted, _last.Remaining, TimeSpan.Zero, TimeSpan.Zero);
        }
        lock (_gate)
        {
            var now = clock.GetTimestamp();
            DropExpired(now);
            _tokens += grant.Granted;
            _expires = now + (long)(lifetime.TotalSeconds * clock.TimestampFrequency);
            _nextLease = grant.Granted == wanted ? Math.Min(wanted * 2, maxLease) : 1;
            _last = grant;
        }
        return grant;
    }

    private void DropExpired(long now)
    {
        if (_tokens == 0 || now < _expires) return;
        _tokens = 0;
        _nextLease = 1;
    }

    private RateState State() => new(budget, Math.Max(0, _last.Remaining + _tokens), _tokens > 0 ? TimeSpan.Zero : _last.UntilNext);
}
