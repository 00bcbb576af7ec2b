namespace Zapnoty.Grains.Access;

/// <summary>Wrong codes counted since <see cref="Since"/> (the start of their window), the latest at <see cref="LastAt"/>.</summary>
public sealed record WrongCodes(int Count, DateTimeOffset Since, DateTimeOffset LastAt);

/// <summary>Why an attempt is refused before its code is even compared, and how long until one would not be.</summary>
public sealed record Refusal(string Reason, TimeSpan RetryAfter);

/// <summary>
/// Whether a network may try a login code for an address now, from the wrong codes stored for
/// them. Wrong codes count across codes, so requesting a new code does not buy new guesses.
/// A network's own wrong codes limit only that network (a stranger cannot use up the budget of
/// the person's network); the wrong codes of all networks the address never logged in from
/// share one more budget, which bounds guessing from many networks and spares known ones.
/// The time is passed in, so the rule can be checked without waiting.
/// </summary>
public static class LoginFailureBudget
{
    public static Refusal? Check(WrongCodes? ofNetwork, WrongCodes? ofUnknownNetworks, bool knownNetwork, DateTimeOffset now, LoginLimitOptions limits)
    {
        var own = ofNetwork is not null && ofNetwork.Since + limits.FailureWindow > now ? ofNetwork : null;
        if (own is not null && own.Count >= limits.WrongCodesPerNetwork)
            return Refuse("Too many wrong codes for this address from your network; try again in {0}.", own.Since + limits.FailureWindow - now);
        if (!knownNetwork && ofUnknownNetworks is { } strangers && strangers.Count >= limits.WrongCodesFromUnknownNetworks
            && strangers.Since + limits.FailureWindow > now)
            return Refuse("Too many wrong codes for this address; try again in {0}.", strangers.Since + limits.FailureWindow - now);
        if (own is not null && own.LastAt + BackOffAfter(own.Count, limits) is var next && next > now)
            return Refuse("Wait {0} before trying another code.", next - now);
        return null;
    }

    /// <summary>How long to wait after the <paramref name="wrongCodes"/>-th wrong code: nothing for the first few, then doubling.</summary>
    public static TimeSpan BackOffAfter(int wrongCodes, LoginLimitOptions limits) =>
        wrongCodes < limits.WrongCodesBeforeBackOff
            ? TimeSpan.Zero
            : limits.BackOff * Math.Pow(2, Math.Min(wrongCodes - limits.WrongCodesBeforeBackOff, 20));

    private static Refusal Refuse(string reason, TimeSpan wait) => new(string.Format(reason, WaitText.Of(wait)), wait);
}

/// <summary>A wait as a person reads it, rounded up so whoever waits that long is let in.</summary>
public static class WaitText
{
    public static string Of(TimeSpan wait)
    {
        if (wait <= TimeSpan.FromSeconds(90)) return Count((int)Math.Ceiling(Math.Max(1, wait.TotalSeconds)), "second");
        if (wait <= TimeSpan.FromMinutes(90)) return Count((int)Math.Ceiling(wait.TotalMinutes), "minute");
        return Count((int)Math.Ceiling(wait.TotalHours), "hour");
    }

    private static string Count(int n, string unit) => n == 1 ? $"1 {unit}" : $"{n} {unit}s";
}
