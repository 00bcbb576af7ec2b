namespace Zapnoty.Grains.Access;

/// <summary>A person: <see cref="Name"/> is their display name, null until they set one.</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Access.UserView")]
public sealed record UserView([property: Id(0)] Guid Id, [property: Id(1)] string Email, [property: Id(2)] string? Name = null);

[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Access.IssuedSession")]
public sealed record IssuedSession([property: Id(0)] string Token, [property: Id(1)] UserView User, [property: Id(2)] DateTimeOffset ExpiresAt);

/// <summary>
/// Email-code login for one email address (the grain key, lower-cased). One activation per
/// address serialises requests and tries, so the budgets hold across silos. Requests and tries
/// are limited per client network, per (address, network) and per address
/// (<see cref="LoginLimitOptions"/>). The <c>clientIp</c> is the client's network
/// (<c>ClientNetwork</c>), null when the API cannot tell it; such clients share one network.
/// </summary>
[Alias("Zapnoty.Grains.Access.ILoginGrain")]
public interface ILoginGrain : IGrainWithStringKey
{
    /// <summary>
    /// Issues a new 8-digit code for this address and network (replacing that network's earlier
    /// one) and emails it. Over a limit it refuses (429) without sending anything, and the code
    /// already sent stays valid.
    /// </summary>
    [Alias("5812E280")]
    Task RequestCode(string? clientIp);

    /// <summary>
    /// Exchanges a valid code for a session; creates the account on first login. Refused (429)
    /// over the per-network limit, over the wrong-code budgets and during the back-off after
    /// wrong codes (<see cref="LoginFailureBudget"/>).
    /// </summary>
    [Alias("5C98A7A4")]
    Task<IssuedSession> Verify(string code, string? clientIp);
}
