namespace Zapnoty.Grains.Assignment;

/// <summary>
/// An agent who may take tickets now, as the last read of the database saw them: their open
/// tickets and their place in the turn (<see cref="LastAssignedSeq"/>: the project's count of
/// auto-assignments when they last got one; null: never).
/// </summary>
public sealed class Candidate(Guid userId, int open, long? lastAssignedSeq)
{
    public Guid UserId { get; } = userId;
    public int Open { get; set; } = open;
    public long? LastAssignedSeq { get; set; } = lastAssignedSeq;
    /// <summary>The database refused them a ticket this round (a cap reached behind our back); skipped until the next read.</summary>
    public bool Refused { get; set; }
}

/// <summary>Which agent gets the next waiting ticket. Pure, so the fairness rules are tested without a cluster.</summary>
public static class AssignmentPicker
{
    /// <summary>
    /// Round-robin: the agent whose last auto-assignment is longest ago (never first); least open:
    /// the fewest open tickets, then the same turn order. Agents at the cap are passed by; null
    /// when nobody has room. Ties go by user id, so every silo picks the same agent.
    /// </summary>
    public static Candidate? Pick(AssignmentSettings settings, IEnumerable<Candidate> candidates)
    {
        var open = candidates.Where(c => !c.Refused && (settings.MaxOpenPerAgent is not { } cap || c.Open < cap));
        var ordered = settings.Mode switch
        {
            AssignmentMode.RoundRobin => open.OrderBy(c => c.LastAssignedSeq ?? long.MinValue),
            AssignmentMode.LeastOpen => open.OrderBy(c => c.Open).ThenBy(c => c.LastAssignedSeq ?? long.MinValue),
            _ => null,
        };
        return ordered?.ThenBy(c => c.UserId).FirstOrDefault();
    }

    /// <summary>Moves the agent to the end of the turn after they got a ticket.</summary>
    public static void Took(Candidate agent, IEnumerable<Candidate> all)
    {
        agent.Open++;
        agent.LastAssignedSeq = all.Max(c => c.LastAssignedSeq ?? 0) + 1;
    }
}
