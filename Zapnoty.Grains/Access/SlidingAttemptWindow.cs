namespace Zapnoty.Grains.Access;

/// <summary>At most <see cref="Count"/> attempts in any stretch of time <see cref="Window"/> long.</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Access.AttemptLimit")]
public sealed record AttemptLimit([property: Id(0)] int Count, [property: Id(1)] TimeSpan Window);

/// <summary>Whether an attempt was let through; when not, how long until one would be.</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Access.AttemptDecision")]
public sealed record AttemptDecision([property: Id(0)] bool Accepted, [property: Id(1)] TimeSpan RetryAfter)
{
    public static readonly AttemptDecision Accept = new(true, TimeSpan.Zero);

    public static AttemptDecision Refuse(TimeSpan retryAfter) => new(false, retryAfter);
}

/// <summary>
/// A sliding window over the times of accepted attempts. It keeps only the attempts still
/// inside the window, so it never holds more than the limit. The time is passed in, so the
/// rule can be checked without waiting.
/// </summary>
public sealed class SlidingAttemptWindow
{
    private readonly Queue<DateTimeOffset> _accepted = new();

    /// <summary>Counts an attempt made at <paramref name="now"/> if <paramref name="limit"/> allows it.</summary>
    public AttemptDecision TryAttempt(DateTimeOffset now, AttemptLimit limit)
    {
        while (_accepted.TryPeek(out var oldest) && oldest + limit.Window <= now)
            _accepted.Dequeue();

        if (_accepted.Count < limit.Count)
        {
            _accepted.Enqueue(now);
            return AttemptDecision.Accept;
        }

        // Refused attempts are not counted: someone who waits the time we answer does get in,
        // however often they asked meanwhile. The limit is taken per call, so when it is
        // lowered by configuration the wait is until enough attempts have left the window.
        var freedAt = _accepted.ElementAt(_accepted.Count - limit.Count) + limit.Window;
        return AttemptDecision.Refuse(freedAt - now);
    }
}
