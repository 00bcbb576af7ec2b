namespace Zapnoty.Grains.Access;

/// <summary>A person: <see cref="Name"/> is their display name, null until they set one.</summary>
[GenerateSerializer, Immutable]
public sealed record UserView([property: Id(0)] Guid Id, [property: Id(1)] string Email, [property: Id(2)] string? Name = null);

[GenerateSerializer, Immutable]
public sealed record IssuedSession([property: Id(0)] string Token, [property: Id(1)] UserView User, [property: Id(2)] DateTimeOffset ExpiresAt);

/// <summary>
/// Email-code login for one email address (the grain key, lower-cased). One activation per
/// address serialises requests and tries, so "5 wrong tries burn the code" holds across silos.
/// Requests and tries are rate limited per address and per client IP (<see cref="LoginLimitOptions"/>);
/// The <c>clientIp</c> is null when the API cannot tell it, and then only the address is limited.
/// </summary>
public interface ILoginGrain : IGrainWithStringKey
{
    /// <summary>
    /// Issues a new 6-digit code (replacing any earlier one) and emails it. Over a limit it
    /// refuses (429) without sending anything, and the code already sent stays valid.
    /// </summary>
    Task RequestCode(string? clientIp);

    /// <summary>Exchanges a valid code for a session; creates the account on first login. Refused (429) over the per-IP limit.</summary>
    Task<IssuedSession> Verify(string code, string? clientIp);
}
