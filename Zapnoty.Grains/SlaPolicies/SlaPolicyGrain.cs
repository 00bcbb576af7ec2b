using Zapnoty.Grains.Audit;
using Zapnoty.Grains.Calendars;
using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Storage;

namespace Zapnoty.Grains.SlaPolicies;

/// <summary>
/// Owns one project's SLA policies: loaded once per activation, changed by validate, one
/// transaction with the audit entry, then memory. The calendar stays with its own grain and is
/// asked for on every <see cref="Setup"/>, so a calendar change counts from the next due time computed.
/// </summary>
public sealed class SlaPolicyGrain(SlaPolicyStore store, TimeProvider clock) : Grain, ISlaPolicyGrain
{
    public const string AuditChanged = "helpdesk.sla_policies_changed";

    private IReadOnlyList<SlaPolicy>? _policies;

    private Guid ProjectId => this.GetPrimaryKey();

    public async Task<IReadOnlyList<SlaPolicy>> Get() => _policies ??= await store.Load(ProjectId, CancellationToken.None);

    public async Task<IReadOnlyList<SlaPolicy>> Set(Actor actor, IReadOnlyList<SlaPolicy> policies)
    {
        var types = await GrainFactory.GetGrain<IProjectGrain>(ProjectId).ListTicketTypes(includeArchived: true);
        var normalized = SlaPolicyRules.Normalize(policies, types);
        await store.Save(ProjectId, normalized, new AuditEntry(clock.StoredNow(), actor, AuditChanged, null,
            new { policies = normalized.Count }), CancellationToken.None);
        _policies = normalized;
        return normalized;
    }

    public async Task<SlaSetup> Setup()
    {
        var policies = await Get();
        // No policy needs no calendar: the settings' targets count around the clock, as before.
        var calendar = policies.Any(p => p.BusinessHours) ? await GrainFactory.GetGrain<IProjectCalendarGrain>(ProjectId).Get() : null;
        return new SlaSetup(policies, calendar);
    }
}
