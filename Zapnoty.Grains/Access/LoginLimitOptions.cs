namespace Zapnoty.Grains.Access;

/// <summary>
/// Configuration section <c>Zapnoty:Login</c>: how many login codes may be requested and tried
/// within <see cref="Window"/>. IPs are the client's as the API sees it (after X-Forwarded-For
/// from a trusted proxy); IPv6 clients are counted by their /64 network.
/// </summary>
public sealed class LoginLimitOptions
{
    public const string Section = "Zapnoty:Login";

    /// <summary>Code requests for one email address. Bounds the mail a stranger can cause someone to receive.</summary>
    public int CodeRequestsPerEmail { get; set; } = 5;

    /// <summary>Code requests from one IP, across all addresses. Bounds the mail one client can make us send.</summary>
    public int CodeRequestsPerIp { get; set; } = 20;

    /// <summary>Verify attempts from one IP, across all addresses: stops guessing codes of many people at once.</summary>
    public int VerifyAttemptsPerIp { get; set; } = 30;

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(15);

    public bool IsValid => CodeRequestsPerEmail > 0 && CodeRequestsPerIp > 0 && VerifyAttemptsPerIp > 0 && Window > TimeSpan.Zero;
}
