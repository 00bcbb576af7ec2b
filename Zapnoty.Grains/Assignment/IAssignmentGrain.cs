using Orleans.Runtime;
using Orleans.Concurrency;

namespace Zapnoty.Grains.Assignment;

/// <summary>
/// A project's auto-assignment, keyed by the project id: its settings, its agents' availability,
/// and the one place where the project's waiting tickets are handed out, one decision at a time.
/// </summary>
[Alias("Zapnoty.Grains.Assignment.IAssignmentGrain")]
public interface IAssignmentGrain : IGrainWithGuidKey, IRemindable
{
    /// <summary>The settings; a project that never set them has auto-assignment off.</summary>
    [Alias("A55E0001")]
    [ReadOnly] Task<AssignmentSettings> Get();

    /// <summary>Replaces the settings (audited), then hands out waiting tickets under the new rules.</summary>
    [Alias("A55E0002")]
    Task<AssignmentSettings> Set(Actor actor, AssignmentSettings settings);

    /// <summary>A member switches themselves available or away; becoming available takes waiting tickets.</summary>
    [Alias("A55E0003")]
    Task<AgentPresence> SetAvailability(Guid userId, bool available);

    /// <summary>Every logged-in member's availability and last activity.</summary>
    [Alias("A55E0004")]
    [ReadOnly] Task<IReadOnlyList<AgentPresence>> Team();

    /// <summary>
    /// Something may have changed who waits or who has room (a ticket created, closed, unassigned or
    /// reassigned): hand out waiting tickets. Nudges arriving during a round make one more round.
    /// </summary>
    [Alias("A55E0005")]
    [OneWay, AlwaysInterleave] Task Nudge();
}
