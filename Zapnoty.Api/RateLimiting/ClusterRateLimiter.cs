using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Zapnoty.Grains.RateLimiting;

namespace Zapnoty.Api.RateLimiting;

/// <summary>
/// The rate limiter of every route (the framework's rate-limiting middleware runs it as its
/// global limiter): each request spends a permit of its <see cref="RatePartition"/>, from this
/// silo's batch when it has one, else from a new batch taken from the partition's
/// <see cref="IRateBudgetGrain"/>. Every answer of a limited route carries the budget in
/// <c>RateLimit-*</c> headers.
/// </summary>
public sealed class ClusterRateLimiter(IGrainFactory grains, IOptionsMonitor<RateLimitOptions> options, TimeProvider clock,
    ILogger<ClusterRateLimiter> log) : PartitionedRateLimiter<HttpContext>
{
    public const string PartitionItem = "zapnoty.rate-partition";
    private static readonly TimeSpan IdleBucket = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan GrainDeadline = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<string, LeasedBucket> _buckets = new();
    private long _lastSweep;

    public override RateLimiterStatistics? GetStatistics(HttpContext resource) => null;

    protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount)
    {
        if (Bucket(resource) is not { } bucket) return Leases.Unlimited;
        if (!bucket.TryTake(out var state)) return Leases.NotYet;
        WriteHeaders(resource.Response, state, acquired: true);
        return Leases.Acquired;
    }

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken)
    {
        if (Bucket(resource) is not { } bucket) return Leases.Unlimited;
        var (acquired, state) = await bucket.Take(cancellationToken);
        WriteHeaders(resource.Response, state, acquired);
        return acquired ? Leases.Acquired : Leases.Rejected(state.RetryAfter);
    }

    private LeasedBucket? Bucket(HttpContext context)
    {
        var current = options.CurrentValue;
        if (RatePartition.Of(context, current) is not { } partition) return null;
        context.Items[PartitionItem] = partition;
        SweepIdle();
        return _buckets.GetOrAdd(partition.Key, _ => NewBucket(partition, current));
    }

    private LeasedBucket NewBucket(RatePartition partition, RateLimitOptions current)
    {
        if (partition.ClusterWide)
        {
            var grain = grains.GetGrain<IRateBudgetGrain>(partition.Key);
            return new LeasedBucket(partition.Budget, wanted => grain.Take(partition.Budget, wanted).WaitAsync(GrainDeadline),
                LeaseSize(partition.Budget, current), current.LeaseLifetime, clock, log);
        }
        var local = new TokenBucket(partition.Budget, clock.GetUtcNow());
        var gate = new Lock();
        return new LeasedBucket(partition.Budget, wanted =>
        {
            lock (gate) return Task.FromResult(local.Take(wanted, partition.Budget, clock.GetUtcNow()));
        }, maxLease: 1, current.LeaseLifetime, clock, log);
    }

    /// <summary>At most a second's worth of the budget: a small budget is shared out a permit or two at a time, so the silos together overshoot it by little.</summary>
    private static int LeaseSize(RateBudget budget, RateLimitOptions options) =>
        Math.Clamp((int)Math.Ceiling(budget.PerSecond), 1, options.MaxLease);

    /// <summary>Every 30 s, forgets the buckets of partitions that sent nothing for two minutes (their budgets are whole again by then).</summary>
    private void SweepIdle()
    {
        var now = clock.GetTimestamp();
        var last = Interlocked.Read(ref _lastSweep);
        if (clock.GetElapsedTime(last, now) < TimeSpan.FromSeconds(30) || Interlocked.CompareExchange(ref _lastSweep, now, last) != last) return;
        foreach (var (key, bucket) in _buckets)
            if (clock.GetElapsedTime(bucket.LastUsed, now) > IdleBucket)
                _buckets.TryRemove(key, out _);
    }

    /// <summary>The IETF draft's fields, as Zendesk and Help Scout send them, and Retry-After on a refusal.</summary>
    private static void WriteHeaders(HttpResponse response, RateState state, bool acquired)
    {
        if (response.HasStarted) return;
        var headers = response.Headers;
        headers["RateLimit-Limit"] = Text(state.Budget.PermitsPerMinute);
        headers["RateLimit-Remaining"] = Text(state.Remaining);
        headers["RateLimit-Reset"] = Text(state.ResetSeconds);
        headers["RateLimit-Policy"] = $"{state.Budget.PermitsPerMinute};w=60;burst={state.Budget.Burst}";
        if (!acquired) headers.RetryAfter = Text(Math.Max(1, (int)Math.Ceiling(state.RetryAfter.TotalSeconds)));
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private sealed class Leases(bool acquired, TimeSpan? retryAfter) : RateLimitLease
    {
        public static readonly RateLimitLease Unlimited = new Leases(true, null);
        public static readonly RateLimitLease Acquired = new Leases(true, null);
        public static readonly RateLimitLease NotYet = new Leases(false, null);

        public static RateLimitLease Rejected(TimeSpan retryAfter) => new Leases(false, retryAfter);

        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = retryAfter;
            return retryAfter is not null && metadataName == MetadataName.RetryAfter.Name;
        }
    }
}
