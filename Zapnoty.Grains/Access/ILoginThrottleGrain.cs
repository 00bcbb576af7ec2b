namespace Zapnoty.Grains.Access;

/// <summary>
/// Counts one kind of login attempt from one source (an email address, a client IP) in a
/// sliding window. There is one activation per key in the whole cluster, so a limit holds no
/// matter which silo serves each request.
/// </summary>
[Alias("Zapnoty.Grains.Access.ILoginThrottleGrain")]
public interface ILoginThrottleGrain : IGrainWithStringKey
{
    /// <summary>Counts the attempt if <paramref name="limit"/> allows it; otherwise says how long to wait.</summary>
    [Alias("AD5E1289")]
    Task<AttemptDecision> TryAttempt(AttemptLimit limit);
}
