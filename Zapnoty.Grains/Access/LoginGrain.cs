using Zapnoty.Grains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Zapnoty.Grains.Email;

namespace Zapnoty.Grains.Access;

public sealed class LoginGrain(AccessStore store, LoginCodeStore codes, IEmailSender email, TimeProvider clock,
    IOptionsMonitor<LoginLimitOptions> limits, ILogger<LoginGrain> log)
    : Grain, ILoginGrain
{
    public static readonly TimeSpan CodeLifetime = TimeSpan.FromMinutes(10);

    private string Email => this.GetPrimaryKeyString();

    public async Task RequestCode(string? clientIp)
    {
        // Limits come before anything is stored or sent, so a refusal leaves the pending code in
        // place. Narrowest first: the network, then this address from this network, and only then
        // the address as a whole, which networks it logged in from before do not count against.
        // A stranger is stopped by their own limits before they can use up the person's.
        var options = limits.CurrentValue;
        var network = clientIp ?? "";
        if (clientIp is not null)
            await Admit($"login-ip:{clientIp}", options.CodeRequestsPerIp, options.Window,
                wait => $"Too many login codes requested from your network; try again in {wait}.");
        await Admit($"login-email-network:{Email}|{network}", options.CodeRequestsPerEmailAndNetwork, options.Window,
            wait => $"Too many login codes requested for this address from your network; try again in {wait}. A code emailed in the last {CodeLifetime.TotalMinutes:0} minutes still works.");
        var now = clock.StoredNow();
        // Clients whose IP the API cannot tell all share one network: it never counts as known.
        if (clientIp is null || !await codes.IsKnownNetwork(Email, network, now, options, CancellationToken.None))
            await Admit($"login-email:{Email}", options.CodeRequestsPerEmail, options.Window,
                wait => $"Too many login codes requested for this address; try again in {wait}. A code emailed in the last {CodeLifetime.TotalMinutes:0} minutes still works.");

        var code = OneTimeCode.New();
        await codes.SaveCode(Email, network, OneTimeCode.Hash(Email, code), now, now + CodeLifetime, CancellationToken.None);
        // The code is in the body only: subjects show up in notifications, previews and logs.
        await email.Send(new EmailMessage(Email, EmailTemplates.LoginCode, "Your Zapnoty Helpdesk login code",
            $"Your Zapnoty Helpdesk login code is {code}.\nIt expires in {CodeLifetime.TotalMinutes:0} minutes.\n" +
            "If you did not ask for it, ignore this email."), CancellationToken.None);
    }

    public async Task<IssuedSession> Verify(string code, string? clientIp)
    {
        // Per network across addresses: stops one client from guessing a little at many
        // addresses. A refusal is not a wrong try.
        var options = limits.CurrentValue;
        var network = clientIp ?? "";
        if (clientIp is not null)
            await Admit($"verify-ip:{clientIp}", options.VerifyAttemptsPerIp, options.Window,
                wait => $"Too many login attempts from your network; try again in {wait}.");

        var now = clock.StoredNow();
        var attempt = await codes.LoadAttempt(Email, network, now, options, CancellationToken.None);
        // The same answers whether or not the address has an account: nothing here tells them apart.
        if (LoginFailureBudget.Check(attempt.OfNetwork, attempt.OfUnknownNetworks, attempt.KnownNetwork && clientIp is not null, now, options) is { } refusal)
            throw DomainException.TooManyRequests(refusal.Reason, refusal.RetryAfter);
        if (attempt.CodeHash is null)
            throw DomainException.Invalid("code", "The code has expired or was never requested; request a new one.");

        if (!OneTimeCode.Matches(attempt.CodeHash, Email, code))
        {
            // Counted against this network only: a stranger's wrong codes burn neither the
            // person's code nor what their own network may still try.
            await codes.CountWrongCode(Email, network, now, options, CancellationToken.None);
            throw DomainException.Invalid("code", "Wrong code.");
        }

        var token = Credentials.NewSessionToken();
        var expiresAt = Sessions.ExpiryFrom(now);
        var (user, joinedProjects) = await store.CompleteLogin(Email, Credentials.Hash(token), now, expiresAt, CancellationToken.None);
        log.LogInformation("User {UserId} logged in", user.Id);
        try
        {
            if (clientIp is not null) await codes.RememberNetwork(Email, network, now, options, CancellationToken.None);
        }
        catch (Exception e)
        {
            // The login stands; the network is remembered at the next one.
            log.LogWarning(e, "The network of {UserId}'s login was not remembered", user.Id);
        }
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
            throw DomainException.TooManyRequests(refusal(WaitText.Of(decision.RetryAfter)), decision.RetryAfter);
    }
}
