using Zapnoty.Grains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Zapnoty.Grains.Email;

namespace Zapnoty.Grains.Access;

public sealed class LoginGrain(AccessStore store, IEmailSender email, TimeProvider clock,
    IOptionsMonitor<LoginLimitOptions> limits, ILogger<LoginGrain> log)
    : Grain, ILoginGrain
{
    public static readonly TimeSpan CodeLifetime = TimeSpan.FromMinutes(10);
    public const int MaxAttempts = 5;

    private string Email => this.GetPrimaryKeyString();

    public async Task RequestCode(string? clientIp)
    {
        // Limits come before anything is stored or sent, so a refusal leaves the pending code
        // in place. The IP is counted first: a client refused there does not use up the
        // address's requests, so it cannot lock someone else out of their own codes for long.
        var options = limits.CurrentValue;
        if (clientIp is not null)
            await Admit($"login-ip:{clientIp}", options.CodeRequestsPerIp, options.Window,
                wait => $"Too many login codes requested from your network; try again in {wait}.");
        await Admit($"login-email:{Email}", options.CodeRequestsPerEmail, options.Window,
            wait => $"Too many login codes requested for this address; try again in {wait}. A code emailed in the last {CodeLifetime.TotalMinutes:0} minutes still works.");

        var code = OneTimeCode.New();
        var now = clock.StoredNow();
        await store.SaveLoginCode(Email, OneTimeCode.Hash(Email, code), now, now + CodeLifetime, CancellationToken.None);
        await email.Send(new EmailMessage(Email, $"Your Zapnoty login code: {code}",
            $"Your Zapnoty Helpdesk login code is {code}.\nIt expires in {CodeLifetime.TotalMinutes:0} minutes.\n" +
            "If you did not ask for it, ignore this email."), CancellationToken.None);
    }

    public async Task<IssuedSession> Verify(string code, string? clientIp)
    {
        // Per IP rather than per address: 5 wrong tries already burn one address's code, this
        // stops one client from guessing a little at many addresses. A refusal is not a wrong try.
        var options = limits.CurrentValue;
        if (clientIp is not null)
            await Admit($"verify-ip:{clientIp}", options.VerifyAttemptsPerIp, options.Window,
                wait => $"Too many login attempts from your network; try again in {wait}.");

        var now = clock.StoredNow();
        var pending = await store.FindLoginCode(Email, CancellationToken.None);
        if (pending is null || pending.ExpiresAt <= now)
            throw DomainException.Invalid("code", "The code has expired or was never requested; request a new one.");

        if (!OneTimeCode.Matches(pending.CodeHash, Email, code))
        {
            var burned = await store.CountFailedAttempt(Email, MaxAttempts, CancellationToken.None);
            throw DomainException.Invalid("code", burned
                ? "Wrong code. That was the last try; request a new code."
                : "Wrong code.");
        }

        var token = Credentials.NewSessionToken();
        var expiresAt = Sessions.ExpiryFrom(now);
        var (user, joinedProjects) = await store.CompleteLogin(Email, Credentials.Hash(token), now, expiresAt, CancellationToken.None);
        log.LogInformation("User {UserId} logged in", user.Id);
        foreach (var projectId in joinedProjects)
        {
            log.LogInformation("User {UserId} joined project {ProjectId} through an invitation", user.Id, projectId);
            try
            {
                await GrainFactory.GetGrain<Projects.IProjectGrain>(projectId).MemberJoined(user.Id, Email);
            }
            catch (Exception e)
            {
                // The membership is committed and the project grain also recognises it by email.
                log.LogWarning(e, "Project {ProjectId} was not told that {UserId} joined", projectId, user.Id);
            }
        }
        return new IssuedSession(token, user, expiresAt);
    }

    private async Task Admit(string throttleKey, int count, TimeSpan window, Func<string, string> refusal)
    {
        var decision = await GrainFactory.GetGrain<ILoginThrottleGrain>(throttleKey).TryAttempt(new AttemptLimit(count, window));
        if (!decision.Accepted)
            throw DomainException.TooManyRequests(refusal(InWholeMinutes(decision.RetryAfter)), decision.RetryAfter);
    }

    // Rounded up, so whoever waits that long is let in.
    private static string InWholeMinutes(TimeSpan wait)
    {
        var minutes = Math.Max(1, (int)Math.Ceiling(wait.TotalMinutes));
        return minutes == 1 ? "1 minute" : $"{minutes} minutes";
    }

}
