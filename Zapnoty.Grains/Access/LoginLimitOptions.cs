namespace Zapnoty.Grains.Access;

/// <summary>
/// Configuration section <c>Zapnoty:Login</c>: how many login codes may be requested and tried.
/// A network is the client's IP as the API sees it (after X-Forwarded-For from a trusted proxy),
/// an IPv6 client counted by its /64. A network "known" to an address is one it logged in from
/// within <see cref="KnownNetworkFor"/>: strangers' requests and wrong codes never count against it.
/// </summary>
public sealed class LoginLimitOptions
{
    public const string Section = "Zapnoty:Login";

    /// <summary>Code requests for one address from one network, per <see cref="Window"/>. Checked before the address's own limit.</summary>
    public int CodeRequestsPerEmailAndNetwork { get; set; } = 3;

    /// <summary>
    /// Code requests for one address from networks not known to it, per <see cref="Window"/>:
    /// bounds the mail strangers can cause one person to receive. Known networks are not counted.
    /// </summary>
    public int CodeRequestsPerEmail { get; set; } = 5;

    /// <summary>Code requests from one network, across all addresses. Bounds the mail one client can make us send.</summary>
    public int CodeRequestsPerIp { get; set; } = 20;

    /// <summary>Verify attempts from one network, across all addresses: stops guessing codes of many people at once.</summary>
    public int VerifyAttemptsPerIp { get; set; } = 30;

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Wrong codes for one address from one network per <see cref="FailureWindow"/>, across codes; then a cool-down until the window ends.</summary>
    public int WrongCodesPerNetwork { get; set; } = 10;

    /// <summary>Wrong codes for one address from all networks not known to it together, per <see cref="FailureWindow"/>.</summary>
    public int WrongCodesFromUnknownNetworks { get; set; } = 20;

    public TimeSpan FailureWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Wrong codes a network may send without waiting (typos); each one after that doubles the wait, starting at <see cref="BackOff"/>.</summary>
    public int WrongCodesBeforeBackOff { get; set; } = 3;

    public TimeSpan BackOff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a network an address logged in from stays known to it.</summary>
    public TimeSpan KnownNetworkFor { get; set; } = TimeSpan.FromDays(90);

    public bool IsValid =>
        CodeRequestsPerEmailAndNetwork > 0 && CodeRequestsPerEmail > 0 && CodeRequestsPerIp > 0 && VerifyAttemptsPerIp > 0 && Window > TimeSpan.Zero
        && WrongCodesPerNetwork > 0 && WrongCodesFromUnknownNetworks > 0 && FailureWindow > TimeSpan.Zero
        && WrongCodesBeforeBackOff >= 0 && BackOff >= TimeSpan.Zero && KnownNetworkFor >= TimeSpan.Zero;
}
