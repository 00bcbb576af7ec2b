namespace Zapnoty.Grains.RateLimiting;

/// <summary>
/// Kept in memory only: a bucket left idle refills to full within a minute or so, so after two
/// idle minutes the activation goes and a new one starts full, which is what the old one held.
/// Losing it in a silo crash only forgives a minute's spending.
/// </summary>
[CollectionAgeLimit(Minutes = 2)]
public sealed class RateBudgetGrain(TimeProvider clock) : Grain, IRateBudgetGrain
{
    private TokenBucket? _bucket;

    public Task<RateGrant> Take(RateBudget budget, int wanted)
    {
        var now = clock.GetUtcNow();
        _bucket ??= new TokenBucket(budget, now);
        return Task.FromResult(_bucket.Take(wanted, budget, now));
    }
}
