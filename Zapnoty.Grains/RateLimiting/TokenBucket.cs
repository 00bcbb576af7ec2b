namespace Zapnoty.Grains.RateLimiting;

/// <summary>A published budget: so many requests a minute, and how many of them may come at once.</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.RateLimiting.RateBudget")]
public sealed record RateBudget([property: Id(0)] int PermitsPerMinute, [property: Id(1)] int Burst)
{
    public double PerSecond => PermitsPerMinute / 60.0;
}

/// <summary>
/// What a bucket handed out: <paramref name="Granted"/> permits (maybe fewer than asked, maybe
/// none), how many it still holds, and how long until it holds one again and until it is full.
/// </summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.RateLimiting.RateGrant")]
public sealed record RateGrant(
    [property: Id(0)] int Granted,
    [property: Id(1)] int Remaining,
    [property: Id(2)] TimeSpan UntilNext,
    [property: Id(3)] TimeSpan UntilFull);

/// <summary>
/// A token bucket: it holds up to <see cref="RateBudget.Burst"/> permits and refills at
/// <see cref="RateBudget.PermitsPerMinute"/>. Not thread-safe; its owner serialises calls
/// (a grain's turn, or a lock).
/// </summary>
public sealed class TokenBucket(RateBudget budget, DateTimeOffset now)
{
    private RateBudget _budget = budget;
    private double _tokens = budget.Burst;
    private DateTimeOffset _at = now;

    public RateGrant Take(int wanted, RateBudget budget, DateTimeOffset now)
    {
        if (budget != _budget)
        {
            // A changed configuration applies at once, without handing out more than the new burst.
            _budget = budget;
            _tokens = Math.Min(_tokens, budget.Burst);
        }
        var elapsed = Math.Max(0, (now - _at).TotalSeconds);
        _tokens = Math.Min(_budget.Burst, _tokens + elapsed * _budget.PerSecond);
        _at = now;
        var granted = (int)Math.Min(Math.Max(wanted, 0), Math.Floor(_tokens));
        _tokens -= granted;
        return new RateGrant(granted, (int)Math.Floor(_tokens), Seconds(Math.Max(0, 1 - _tokens)), Seconds(_budget.Burst - _tokens));
    }

    private TimeSpan Seconds(double permits) => TimeSpan.FromSeconds(permits / _budget.PerSecond);
}
