namespace Zapnoty.Grains.RateLimiting;

/// <summary>
/// The cluster-wide budget of one rate-limit partition (a credential's reads or writes, a client
/// network), keyed by the partition. Each silo's API takes permits from it in small batches, so
/// a client spreading requests over N silos still gets one budget, not N.
/// </summary>
[Alias("Zapnoty.Grains.RateLimiting.IRateBudgetGrain")]
public interface IRateBudgetGrain : IGrainWithStringKey
{
    /// <summary>Up to <paramref name="wanted"/> permits of the budget, fewer or none when it is spent.</summary>
    [Alias("B8ACB51E")]
    Task<RateGrant> Take(RateBudget budget, int wanted);
}
