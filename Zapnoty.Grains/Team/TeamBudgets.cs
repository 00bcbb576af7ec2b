namespace Zapnoty.Grains.Team;

/// <summary>
/// Ownership transfer codes prove the owner holds their mailbox, not just a session; these keep
/// a stolen session from guessing one: few codes an hour, few wrong codes a day across codes.
/// </summary>
public static class TransferLimits
{
    public const int RequestsPerWindow = 3;
    public static readonly TimeSpan RequestWindow = TimeSpan.FromHours(1);
    public const int WrongCodesPerWindow = 10;
    public static readonly TimeSpan FailureWindow = TimeSpan.FromHours(24);
}

/// <summary>Invitations email any address, so they are limited per project and per inviting person.</summary>
public static class InvitationLimits
{
    public const int PerProject = 20;
    public const int PerPerson = 30;
    public static readonly TimeSpan Window = TimeSpan.FromHours(1);

    /// <summary>
    /// How long until one more fits, given the times (oldest first) of those still within the
    /// window; null when it fits now.
    /// </summary>
    public static TimeSpan? Wait(IReadOnlyList<DateTimeOffset> times, int limit, DateTimeOffset now) =>
        times.Count < limit ? null : times[times.Count - limit] + Window - now;
}
