using Zapnoty.Grains.Storage;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Zapnoty.Grains.Email;

namespace Zapnoty.Grains.Access;

public sealed class LoginGrain(AccessStore store, IEmailSender email, TimeProvider clock, ILogger<LoginGrain> log)
    : Grain, ILoginGrain
{
    public static readonly TimeSpan CodeLifetime = TimeSpan.FromMinutes(10);
    public const int MaxAttempts = 5;

    private string Email => this.GetPrimaryKeyString();

    public async Task RequestCode()
    {
        var code = RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6");
        var now = clock.StoredNow();
        await store.SaveLoginCode(Email, CodeHash(code), now, now + CodeLifetime, CancellationToken.None);
        await email.Send(new EmailMessage(Email, $"Your Zapnoty login code: {code}",
            $"Your Zapnoty Helpdesk login code is {code}.\nIt expires in {CodeLifetime.TotalMinutes:0} minutes.\n" +
            "If you did not ask for it, ignore this email."), CancellationToken.None);
    }

    public async Task<IssuedSession> Verify(string code)
    {
        var now = clock.StoredNow();
        var pending = await store.FindLoginCode(Email, CancellationToken.None);
        if (pending is null || pending.ExpiresAt <= now)
            throw DomainException.Invalid("code", "The code has expired or was never requested; request a new one.");

        if (!CryptographicOperations.FixedTimeEquals(pending.CodeHash, CodeHash(code ?? "")))
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

    // The code is short, so the hash is keyed by the address: equal codes of two people differ.
    private byte[] CodeHash(string code) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{Email}\n{code}"));
}
