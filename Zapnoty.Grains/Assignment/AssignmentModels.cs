namespace Zapnoty.Grains.Assignment;

/// <summary>How new tickets find an agent: not at all, in turn, or to whoever has the fewest open.</summary>
[GenerateSerializer]
[Alias("Zapnoty.Grains.Assignment.AssignmentMode")]
public enum AssignmentMode { Off, RoundRobin, LeastOpen }

/// <summary>
/// A project's auto-assignment. <see cref="MaxOpenPerAgent"/>: open tickets an agent may hold
/// before auto-assignment passes them by (null: no cap). <see cref="AwayAfterMinutes"/>: an agent
/// without a request for this long counts as away (null: only their own toggle makes them away).
/// </summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Assignment.AssignmentSettings")]
public sealed record AssignmentSettings(
    [property: Id(0)] AssignmentMode Mode,
    [property: Id(1)] int? MaxOpenPerAgent,
    [property: Id(2)] int? AwayAfterMinutes)
{
    public static readonly AssignmentSettings Off = new(AssignmentMode.Off, null, null);
}

/// <summary>
/// One member as auto-assignment sees them: their own available/away toggle, when they last made
/// a request (any session, recorded about once a minute), and whether that makes them away now.
/// </summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Assignment.AgentPresence")]
public sealed record AgentPresence(
    [property: Id(0)] Guid UserId,
    [property: Id(1)] bool Available,
    [property: Id(2)] DateTimeOffset? LastActiveAt,
    [property: Id(3)] bool Away);

/// <summary>What an auto-assignment of one ticket came to.</summary>
[GenerateSerializer]
[Alias("Zapnoty.Grains.Assignment.AutoAssignOutcome")]
public enum AutoAssignOutcome
{
    Assigned,
    /// <summary>The ticket is no longer waiting: assigned meanwhile, closed or merged.</summary>
    NotWaiting,
    /// <summary>The database refused: the agent reached the cap, went away, or the mode went off.</summary>
    Refused,
}

public static class AssignmentLimits
{
    public const int MaxOpenPerAgent = 1000;
    /// <summary>A week: longer than that, "away after inactivity" means nothing.</summary>
    public const int MaxAwayAfterMinutes = 7 * 24 * 60;

    /// <summary>Waiting tickets read per round; a backlog is worked through round by round.</summary>
    public const int WaitingPerRound = 100;

    public static void Require(AssignmentSettings settings)
    {
        if (!Enum.IsDefined(settings.Mode))
            throw DomainException.Invalid("mode", "mode is one of off, round_robin, least_open.");
        if (settings.MaxOpenPerAgent is { } cap && cap is < 1 or > MaxOpenPerAgent)
            throw DomainException.Invalid("max_open_per_agent", $"max_open_per_agent is 1..{MaxOpenPerAgent}, or null for no cap (got {cap}).");
        if (settings.AwayAfterMinutes is { } away && away is < 1 or > MaxAwayAfterMinutes)
            throw DomainException.Invalid("away_after_minutes",
                $"away_after_minutes is 1..{MaxAwayAfterMinutes}, or null to go by the agent's own toggle only (got {away}).");
    }
}

/// <summary>Who auto-assignment acts as in ticket history, notifications and webhook changes.</summary>
public static class AutoAssignment
{
    public static readonly Actor Actor = new(ActorKind.System, "auto_assignment");
}
