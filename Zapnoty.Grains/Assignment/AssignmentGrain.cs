using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Zapnoty.Grains.Audit;
using Zapnoty.Grains.Storage;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Assignment;

/// <summary>
/// Hands a project's waiting tickets (open, unassigned, oldest first) to available agents through
/// the ticket grains' own assign path. One activation per project decides, one ticket at a time;
/// the ticket's transaction re-checks the cap under the project's assignment row lock, so even two
/// activations at once (a silo split) never put an agent over it. A reminder keeps retrying while
/// tickets wait, so a nudge lost with a silo, or an agent coming back from inactivity, is picked up.
/// </summary>
public sealed class AssignmentGrain(AssignmentStore store, TimeProvider clock, ILogger<AssignmentGrain> log)
    : Grain, IAssignmentGrain
{
    public const string AuditChanged = "helpdesk.assignment_changed";
    private const string BacklogReminder = "assignment-backlog";
    // Rounds one drain may make before leaving the rest to the next nudge or reminder tick.
    private const int MaxRounds = 50;
    private const int MaxFailuresInARow = 3;

    private AssignmentSettings? _settings;
    private bool _draining;
    private bool _again;
    // Whether the backlog reminder is registered, once this activation knows.
    private bool? _reminder;

    private Guid ProjectId => this.GetPrimaryKey();

    /// <summary>Whatever woke this activation, waiting tickets get a look.</summary>
    public override Task OnActivateAsync(CancellationToken cancellationToken) => Nudge();

    public async Task<AssignmentSettings> Get() => _settings ??= await store.Load(ProjectId, CancellationToken.None);

    public async Task<AssignmentSettings> Set(Actor actor, AssignmentSettings settings)
    {
        AssignmentLimits.Require(settings);
        await store.Save(ProjectId, settings, new AuditEntry(clock.StoredNow(), actor, AuditChanged, null,
            new { mode = settings.Mode.Wire(), max_open_per_agent = settings.MaxOpenPerAgent, away_after_minutes = settings.AwayAfterMinutes }),
            CancellationToken.None);
        _settings = settings;
        await Nudge();
        return settings;
    }

    public async Task<AgentPresence> SetAvailability(Guid userId, bool available)
    {
        await store.SetAvailability(ProjectId, userId, available, CancellationToken.None);
        if (available) await Nudge();
        var presence = await Team();
        return presence.FirstOrDefault(p => p.UserId == userId) ?? new AgentPresence(userId, available, null, !available);
    }

    public async Task<IReadOnlyList<AgentPresence>> Team() =>
        await store.Presence(ProjectId, await Get(), clock.GetUtcNow(), CancellationToken.None);

    public Task Nudge()
    {
        _again = true;
        if (!_draining) _ = Drain();
        return Task.CompletedTask;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != BacklogReminder) return;
        _reminder = true;
        await Nudge();
    }

    /// <summary>Runs on this grain's scheduler, one step at a time beside its calls, so the flags need no lock.</summary>
    private async Task Drain()
    {
        _draining = true;
        try
        {
            while (_again)
            {
                _again = false;
                bool waiting;
                try
                {
                    waiting = await HandOut();
                }
                catch (Exception e)
                {
                    // Left for the backlog reminder: the tickets stay waiting, none is lost.
                    log.LogWarning(e, "Auto-assignment of project {ProjectId} failed; waiting tickets are retried", ProjectId);
                    waiting = true;
                }
                await KeepReminder(waiting);
            }
        }
        finally
        {
            _draining = false;
        }
    }

    /// <summary>Assigns waiting tickets, oldest first, while someone has room; true when tickets are left waiting.</summary>
    private async Task<bool> HandOut()
    {
        for (var round = 0; round < MaxRounds; round++)
        {
            var settings = await Get();
            if (settings.Mode == AssignmentMode.Off) return false;
            var (agents, waiting) = await store.Round(ProjectId, settings, clock.GetUtcNow(), CancellationToken.None);
            if (waiting.Count == 0) return false;
            var failures = 0;
            foreach (var ticketId in waiting)
            {
                // Settings changed during the round (a call interleaved): the next round reads under the new ones.
                if (!ReferenceEquals(settings, _settings)) break;
                try
                {
                    if (!await AssignOne(ticketId, settings, agents)) return true;
                    failures = 0;
                }
                catch (Exception e) when (++failures < MaxFailuresInARow)
                {
                    // One ticket that fails must not hold up the queue behind it; several in a row is an outage (rethrown).
                    log.LogWarning(e, "Auto-assignment of ticket {TicketId} failed; it is skipped this round", ticketId);
                }
            }
            if (waiting.Count < AssignmentLimits.WaitingPerRound && ReferenceEquals(settings, _settings)) return false;
        }
        return true;
    }

    /// <summary>
    /// The ticket to the agent next in line; one the database refuses (a cap reached behind this
    /// grain's back) is passed by for the rest of the round. False when nobody has room.
    /// </summary>
    private async Task<bool> AssignOne(Guid ticketId, AssignmentSettings settings, List<Candidate> agents)
    {
        while (AssignmentPicker.Pick(settings, agents) is { } agent)
        {
            switch (await GrainFactory.GetGrain<ITicketGrain>(ticketId).AutoAssign(agent.UserId))
            {
                case AutoAssignOutcome.Assigned:
                    AssignmentPicker.Took(agent, agents);
                    return true;
                case AutoAssignOutcome.NotWaiting:
                    return true;
                default:
                    log.LogInformation("Auto-assignment of ticket {TicketId} to {UserId} refused by the database; trying the next agent", ticketId, agent.UserId);
                    agent.Refused = true;
                    break;
            }
        }
        return false;
    }

    /// <summary>A reminder while tickets wait, none otherwise; registered or removed only when that changes.</summary>
    private async Task KeepReminder(bool waiting)
    {
        try
        {
            // Unknown (a new activation) counts as none: registering again is harmless, and a
            // leftover reminder is removed at its next tick, which tells this activation it exists.
            if (waiting == (_reminder == true)) return;
            if (waiting) await this.RegisterOrUpdateReminder(BacklogReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
            else if (await this.GetReminder(BacklogReminder) is { } reminder) await this.UnregisterReminder(reminder);
            _reminder = waiting;
        }
        catch (Exception e) when (e is OrleansException or TimeoutException)
        {
            log.LogWarning(e, "Backlog reminder of project {ProjectId} not {Change}", ProjectId, waiting ? "registered" : "removed");
            _reminder = null;
        }
    }
}
