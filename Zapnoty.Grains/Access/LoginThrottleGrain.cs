using Microsoft.Extensions.Logging;

namespace Zapnoty.Grains.Access;

/// <summary>
/// The window lives in memory only. When a silo crashes its activations restart elsewhere with
/// empty windows, so a source may get up to one more window's worth of attempts. That is
/// acceptable: these limits bound mail and request rates; what bounds guessing, the wrong-code
/// budgets, is stored in PostgreSQL (<see cref="LoginCodeStore"/>). The alternative, a database
/// write on every login request, would cost every legitimate login.
/// </summary>
public sealed class LoginThrottleGrain(TimeProvider clock, ILogger<LoginThrottleGrain> log) : Grain, ILoginThrottleGrain
{
    private readonly SlidingAttemptWindow _window = new();
    private bool _refusing;

    public Task<AttemptDecision> TryAttempt(AttemptLimit limit)
    {
        var decision = _window.TryAttempt(clock.GetUtcNow(), limit);
        if (decision.Accepted)
        {
            _refusing = false;
            // Idle collection (15 minutes by default) must not forget attempts that are still in
            // the window, whatever window is configured.
            DelayDeactivation(limit.Window);
        }
        else if (!_refusing)
        {
            // Once per burst of refusals: a signal of abuse without a log line per request.
            _refusing = true;
            log.LogWarning("Login limit reached for {ThrottleKey}: {Count} attempts in {Window}", this.GetPrimaryKeyString(), limit.Count, limit.Window);
        }
        return Task.FromResult(decision);
    }
}
