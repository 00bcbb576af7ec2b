namespace Zapnoty.Grains.Reports;

/// <summary>
/// What happened in one group of a report (the whole range, a day, a channel, an agent...), read
/// from the rollups of migration 0030. Closed tickets are those closed now, counted when they
/// were last closed; first responses and resolutions are counted when they happened.
/// </summary>
public sealed record ReportFigures(
    long Created, long Closed, long Reopened, long Replies, long Notes, long CustomerMessages, long Assigned, long CreditsSpent,
    TimeFigures FirstResponse, TimeFigures Resolution, SlaFigures FirstReplySla, SlaFigures ResolutionSla,
    TimeFigures FirstResponseBusiness, TimeFigures ResolutionBusiness, CsatFigures Csat)
{
    public static readonly ReportFigures None = From([]);

    /// <summary>Replies to customers per ticket created in the range; null when none was created.</summary>
    public double? RepliesPerTicket => Created == 0 ? null : Math.Round((double)Replies / Created, 2);

    /// <summary>Folds rollup sums (metric, bucket, n, seconds) into figures.</summary>
    public static ReportFigures From(IReadOnlyList<RollupSum> sums)
    {
        long Count(string metric) => sums.Where(s => s.Metric == metric).Sum(s => s.N);
        return new ReportFigures(
            Count(ReportMetrics.Created), Count(ReportMetrics.Closed), Count(ReportMetrics.Reopened), Count(ReportMetrics.Reply),
            Count(ReportMetrics.Note), Count(ReportMetrics.CustomerMessage), Count(ReportMetrics.Assigned), Count(ReportMetrics.Credit),
            TimeFigures.From(sums.Where(s => s.Metric == ReportMetrics.FirstResponse).ToList()),
            TimeFigures.From(sums.Where(s => s.Metric == ReportMetrics.Closed).ToList()),
            new SlaFigures(Count(ReportMetrics.FirstReplyMet), Count(ReportMetrics.FirstReplyBreached)),
            new SlaFigures(Count(ReportMetrics.ResolveMet), Count(ReportMetrics.ResolveBreached)),
            TimeFigures.From(sums.Where(s => s.Metric == ReportMetrics.FirstResponseBusiness).ToList()),
            TimeFigures.From(sums.Where(s => s.Metric == ReportMetrics.ResolutionBusiness).ToList()),
            new CsatFigures(Count(ReportMetrics.CsatRequested), Count(ReportMetrics.CsatAnswered), Count(ReportMetrics.CsatComment),
                [.. Enumerable.Range(1, 5).Select(score => new ScoreCount(score, Count(ReportMetrics.CsatScore(score))))]));
    }

    /// <summary>Whether anything at all happened in this group (a key whose facts all moved away sums to nothing).</summary>
    public bool HasAny() => Created + Closed + Reopened + Replies + Notes + CustomerMessages + Assigned + CreditsSpent + FirstResponse.Count
        + FirstReplySla.Met + FirstReplySla.Breached + ResolutionSla.Met + ResolutionSla.Breached
        + FirstResponseBusiness.Count + ResolutionBusiness.Count + Csat.Requested + Csat.Received != 0;
}

/// <summary>One rollup sum: a metric's count and seconds in one time bucket (-1: a fact without a duration).</summary>
public sealed record RollupSum(string Metric, short Bucket, long N, long Seconds);

/// <summary>
/// Durations in seconds: how many, the exact average (from the summed seconds), and the median
/// and 90th percentile read from the log-spaced buckets (within about 9%).
/// </summary>
public sealed record TimeFigures(long Count, long? AverageSeconds, long? MedianSeconds, long? P90Seconds)
{
    public static TimeFigures From(IReadOnlyList<RollupSum> sums)
    {
        var count = sums.Sum(s => s.N);
        if (count <= 0) return new TimeFigures(0, null, null, null);
        var histogram = sums.GroupBy(s => s.Bucket).Select(g => (Bucket: g.Key, N: g.Sum(s => s.N))).Where(b => b.N > 0).OrderBy(b => b.Bucket).ToList();
        return new TimeFigures(count, (long)Math.Round((double)sums.Sum(s => s.Seconds) / count),
            TimeBuckets.Quantile(histogram, count, 0.5), TimeBuckets.Quantile(histogram, count, 0.9));
    }
}

/// <summary>Targets met and breached; the share met of those decided (null when none was).</summary>
public sealed record SlaFigures(long Met, long Breached)
{
    public double? MetShare => Met + Breached == 0 ? null : Math.Round((double)Met / (Met + Breached), 4);
}

/// <summary>
/// Customer satisfaction: surveys sent, of those how many were answered (the response rate is
/// answered / sent, both counted when the survey went out), ratings received per score 1..5
/// (counted when they came) with their average, and comments received.
/// </summary>
public sealed record CsatFigures(long Requested, long Answered, long Comments, IReadOnlyList<ScoreCount> Distribution)
{
    /// <summary>Ratings received.</summary>
    public long Received => Distribution.Sum(d => d.Count);

    /// <summary>The average score (1..5) of the ratings received; null when none was.</summary>
    public double? AverageScore => Received == 0 ? null : Math.Round((double)Distribution.Sum(d => d.Score * d.Count) / Received, 2);

    /// <summary>The share of the surveys sent that were answered; null when none was sent.</summary>
    public double? ResponseRate => Requested == 0 ? null : Math.Round((double)Answered / Requested, 4);

    /// <summary>How many ratings gave <paramref name="score"/>.</summary>
    public long Of(int score) => Distribution.Where(d => d.Score == score).Sum(d => d.Count);
}

/// <summary>How many ratings gave one score.</summary>
public sealed record ScoreCount(int Score, long Count);

/// <summary>The metric names of the rollups (migrations 0030, 0033 and 0041).</summary>
public static class ReportMetrics
{
    public const string Created = "created";
    public const string Closed = "closed";
    public const string Reopened = "reopened";
    public const string Reply = "reply";
    public const string Note = "note";
    public const string CustomerMessage = "customer_message";
    public const string Assigned = "assigned";
    public const string Credit = "credit";
    public const string FirstResponse = "first_response";
    public const string FirstReplyMet = "first_reply_met";
    public const string FirstReplyBreached = "first_reply_breached";
    public const string ResolveMet = "resolve_met";
    public const string ResolveBreached = "resolve_breached";
    public const string FirstResponseBusiness = "first_response_business";
    public const string ResolutionBusiness = "resolution_business";
    public const string CsatRequested = "csat_requested";
    public const string CsatAnswered = "csat_answered";
    public const string CsatComment = "csat_comment";

    /// <summary>Ratings of one score, 1..5.</summary>
    public static string CsatScore(int score) => $"csat_{score}";

    /// <summary>
    /// Tickets with at least m later tickets of the same customer (m = 1, 2, 3, 5, 6), at their
    /// creation (migration 0041): what tickets per customer is computed from; no figure shows it.
    /// </summary>
    public static string CustomerLater(int m) => $"customer_later_{m}";
}

/// <summary>
/// The duration buckets of migration 0030's <c>report_bucket</c>: bucket 0 holds [0, 60) seconds,
/// bucket k >= 1 holds [60 * 2^((k-1)/4), 60 * 2^(k/4)).
/// </summary>
public static class TimeBuckets
{
    public static double Lower(int bucket) => bucket <= 0 ? 0 : 60 * Math.Pow(2, (bucket - 1) / 4.0);

    public static double Upper(int bucket) => bucket <= 0 ? 60 : 60 * Math.Pow(2, bucket / 4.0);

    /// <summary>
    /// The q-quantile: the bucket holding the value of rank q * count, and within it a point
    /// placed by the rank on a log scale (linear in bucket 0), since the buckets are log-spaced.
    /// </summary>
    public static long? Quantile(IReadOnlyList<(short Bucket, long N)> histogram, long count, double q)
    {
        var rank = q * count;
        long below = 0;
        foreach (var (bucket, n) in histogram)
        {
            if (below + n >= rank)
            {
                var fraction = Math.Clamp((rank - below) / n, 0, 1);
                var (lower, upper) = (Lower(bucket), Upper(bucket));
                var value = bucket <= 0 ? lower + (upper - lower) * fraction : lower * Math.Pow(upper / lower, fraction);
                return (long)Math.Round(value);
            }
            below += n;
        }
        return histogram.Count == 0 ? null : (long)Math.Round(Upper(histogram[^1].Bucket));
    }
}
