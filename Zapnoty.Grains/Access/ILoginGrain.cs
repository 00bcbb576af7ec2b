namespace Zapnoty.Grains.Access;

[GenerateSerializer, Immutable]
public sealed record UserView([property: Id(0)] Guid Id, [property: Id(1)] string Email);

[GenerateSerializer, Immutable]
public sealed record IssuedSession([property: Id(0)] string Token, [property: Id(1)] UserView User, [property: Id(2)] DateTimeOffset ExpiresAt);

/// <summary>
/// Email-code login for one email address (the grain key, lower-cased). One activation per
/// address serialises requests and tries, so "5 wrong tries burn the code" holds across silos.
/// </summary>
public interface ILoginGrain : IGrainWithStringKey
{
    /// <summary>Issues a new 6-digit code (replacing any earlier one) and emails it.</summary>
    Task RequestCode();

    /// <summary>Exchanges a valid code for a session; creates the account on first login.</summary>
    Task<IssuedSession> Verify(string code);
}
