using Orleans.Runtime;
using Microsoft.Extensions.Logging;
using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Storage;
using Zapnoty.Grains.Team;
using Zapnoty.Grains.Webhooks;

namespace Zapnoty.Grains.Tickets;

/// <summary>SLA: the reminder for the next due target, and recording breaches exactly once.</summary>
public sealed partial class TicketGrain
{
    public const string SlaReminder = "sla";

    // What the reminder is set for, once this activation knows (null: no reminder).
    private (bool Known, DateTimeOffset? At) _armed;

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == SlaReminder) await CheckSla();
        if (reminderName == RulesReminder) await CheckRules();
    }

    public async Task CheckSla()
    {
        var before = await Current();
        var now = clock.StoredNow();
        var breaches = Sla.DueBreaches(before, now);
        if (breaches.Count > 0)
        {
            // The breach columns make this exactly once: a late or repeated tick finds them set,
            // and the version check stops a second activation that did not see them yet.
            var after = Sla.Record(before, breaches, now) with { Version = before.Version + 1 };
            var history = breaches.Select(b => new HistoryEntry(now, Actor.System, "sla_breached", null, b)).ToList();
            var team = await TeamFor(after);
            var events = breaches.Select(b => TicketEvents.Of(TicketEventTypes.SlaBreached, after, now, team, breach: b)).ToList();
            await Commit(before, after, message: null, history, events);
            foreach (var breach in breaches) metrics.SlaBreached(breach);
            log.LogInformation("Ticket {TicketId} breached its SLA: {Breaches}", before.Id, string.Join(", ", breaches));
            return;
        }
        await ArmSla();
    }

    /// <summary>
    /// Keeps exactly one reminder while a target can still be breached, set for the earliest;
    /// none once all are met (or the ticket is closed). Writes only when that changes.
    /// </summary>
    private async Task ArmSla()
    {
        if (_ticket is not { } ticket) return;
        var next = Sla.NextDue(ticket);
        if (_armed.Known && _armed.At == next) return;
        if (next is { } due)
        {
            var wait = due - clock.GetUtcNow();
            await this.RegisterOrUpdateReminder(SlaReminder, wait > TimeSpan.FromSeconds(1) ? wait : TimeSpan.FromSeconds(1), slaOptions.Value.ReminderPeriod);
        }
        else if (await this.GetReminder(SlaReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
        _armed = (true, next);
    }

    /// <summary>
    /// The change is committed, so moving the reminder must not turn it into an error: the
    /// client would retry and store it twice. Reminder calls fail for a few seconds after a
    /// silo crash (the one owning the reminder's range is unreachable until declared dead; the
    /// cluster check saw stored replies answered 500). A reminder left too early finds nothing
    /// due and re-arms; one not registered is caught by the SLA sweeper.
    /// </summary>
    private async Task ArmSlaAfterCommit()
    {
        try
        {
            await ArmSla();
        }
        catch (Exception e) when (e is OrleansException or TimeoutException)
        {
            log.LogWarning(e, "SLA reminder of ticket {TicketId} not moved after a committed change; the sweeper or the next tick catches up", _ticket?.Id);
        }
    }

    /// <summary>
    /// An agent reopened the ticket: resolution is due again, counted from now with the ticket's
    /// policy, or with today's setting when it has none.
    /// </summary>
    private async Task<TicketView> WithFreshResolutionTarget(TicketView ticket, DateTimeOffset now)
    {
        if (ticket.SlaPolicy is { } policy)
            return SlaPolicies.SlaCycle.Reopened(ticket, policy, (await SlaSetupOf(ticket)).ClockFor(policy), now);
        var settings = await GrainFactory.GetGrain<IProjectGrain>(ticket.ProjectId).GetSettings();
        return ticket with
        {
            ResolveDueAt = settings.SlaResolveHours is { } hours ? now + TimeSpan.FromHours((double)hours) : null,
            ResolveBreachedAt = null,
        };
    }
}
