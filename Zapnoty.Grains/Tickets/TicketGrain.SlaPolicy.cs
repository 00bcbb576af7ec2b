using Zapnoty.Grains.Projects;
using Zapnoty.Grains.SlaPolicies;

namespace Zapnoty.Grains.Tickets;

/// <summary>
/// SLA policies on the ticket: the next-reply cycle, the pause while waiting, and new due times
/// when the priority or type picks another policy (<see cref="SlaCycle"/> decides, this commits).
/// </summary>
public sealed partial class TicketGrain
{
    /// <summary>History field of a change of the policy a ticket runs under: from and to are policy labels.</summary>
    public const string SlaRecomputed = "sla_recomputed";

    private Task<SlaSetup> SlaSetupOf(TicketView ticket) => GrainFactory.GetGrain<ISlaPolicyGrain>(ticket.ProjectId).Setup();

    /// <summary>
    /// After an agent's edit: a new priority or type re-computes the targets under the policy
    /// that now applies (one <c>sla_recomputed</c> history entry naming it), and moving into or
    /// out of waiting pauses or resumes the resolution clock.
    /// </summary>
    private async Task<TicketView> WithSlaAfterEdit(TicketView before, TicketView after, DateTimeOffset now, Actor actor, List<HistoryEntry> history)
    {
        var regrouped = before.Priority != after.Priority || before.TypeId != after.TypeId;
        // Tickets under the project settings never pause, and their targets do not depend on the priority.
        if (!regrouped && after.SlaPolicy is null && after.PausedAt is null) return after;
        if (!regrouped && (before.Status == TicketStatus.Waiting) == (after.Status == TicketStatus.Waiting)) return after;

        var setup = await SlaSetupOf(after);
        if (regrouped && setup.For(after.Priority, after.TypeId) is var policy && (policy is not null || after.SlaPolicy is not null))
        {
            var settings = await GrainFactory.GetGrain<IProjectGrain>(after.ProjectId).GetSettings();
            var previous = after.SlaPolicy;
            after = SlaCycle.Recompute(after, policy, setup.ClockFor(policy), setup.ClockFor(previous), settings, now);
            history.Add(new HistoryEntry(now, actor, SlaRecomputed, previous?.Label ?? SlaPolicy.SettingsLabel, policy?.Label ?? SlaPolicy.SettingsLabel));
        }
        var counting = setup.ClockFor(after.SlaPolicy);
        return after.Status == TicketStatus.Waiting ? SlaCycle.Pause(after, counting, now) : SlaCycle.Resume(after, counting, now);
    }

    /// <summary>A customer message resumes a paused resolution clock and starts a next-reply cycle.</summary>
    private async Task<TicketView> WithSlaAfterCustomerMessage(TicketView after, DateTimeOffset now)
    {
        if (after.SlaPolicy is null && after.PausedAt is null) return after;
        var counting = (await SlaSetupOf(after)).ClockFor(after.SlaPolicy);
        return SlaCycle.CustomerWrote(SlaCycle.Resume(after, counting, now), counting, now);
    }
}
