using Zapnoty.Grains.Audit;
using Zapnoty.Grains.Storage;

namespace Zapnoty.Grains.Rules;

/// <summary>
/// A project's rules in memory, loaded on activation; every change: validate, one transaction
/// with its audit entry, then memory. Ticket grains read the list after each of their commits
/// and evaluate it themselves, so a rule never waits on this grain to fire.
/// </summary>
public sealed class RulesGrain(RuleStore store, TimeProvider clock) : Grain, IRulesGrain
{
    private List<RuleView> _rules = [];

    private Guid ProjectId => this.GetPrimaryKey();

    public override async Task OnActivateAsync(CancellationToken cancellationToken) => _rules = await store.Load(ProjectId, cancellationToken);

    public Task<IReadOnlyList<RuleView>> List() => Task.FromResult<IReadOnlyList<RuleView>>(_rules.ToList());

    public async Task<RuleView> Add(Actor actor, RuleDraft draft)
    {
        if (draft.Name is null) throw DomainException.Invalid("name", "A rule name is required.");
        if (draft.Trigger is null) throw DomainException.Invalid("trigger", "A rule needs a trigger.");
        if (_rules.Count >= RuleLimits.MaxPerProject)
            throw DomainException.Unprocessable($"A project can have at most {RuleLimits.MaxPerProject} rules; delete the ones no longer used.");
        var now = clock.StoredNow();
        var rule = await RuleValidation.Checked(GrainFactory, ProjectId, new RuleView(Guid.NewGuid(), draft.Name, draft.Enabled ?? true, draft.Trigger,
            draft.Conditions ?? RuleConditions.Any, draft.Actions ?? [], now, now));
        await store.Insert(ProjectId, rule, new AuditEntry(now, actor, RuleAuditActions.Created, rule.Id.ToString(), Summary(rule)), CancellationToken.None);
        _rules.Add(rule);
        return rule;
    }

    public async Task<RuleView> Change(Actor actor, Guid ruleId, RuleDraft draft)
    {
        var index = IndexOf(ruleId);
        var before = _rules[index];
        var after = before with
        {
            Name = draft.Name ?? before.Name,
            Enabled = draft.Enabled ?? before.Enabled,
            Trigger = draft.Trigger ?? before.Trigger,
            Conditions = draft.Conditions ?? before.Conditions,
            Actions = draft.Actions ?? before.Actions,
        };
        if (Same(after, before)) return before;
        after = await RuleValidation.Checked(GrainFactory, ProjectId, after with { UpdatedAt = clock.StoredNow() });
        await store.Update(ProjectId, after, new AuditEntry(after.UpdatedAt, actor, RuleAuditActions.Changed, ruleId.ToString(),
            new { from = Summary(before), to = Summary(after) }), CancellationToken.None);
        _rules[index] = after;
        return after;
    }

    public async Task Remove(Actor actor, Guid ruleId)
    {
        var index = IndexOf(ruleId);
        var rule = _rules[index];
        await store.Delete(ProjectId, ruleId, new AuditEntry(clock.StoredNow(), actor, RuleAuditActions.Deleted, ruleId.ToString(), new { name = rule.Name }),
            CancellationToken.None);
        _rules.RemoveAt(index);
    }

    private int IndexOf(Guid ruleId)
    {
        var index = _rules.FindIndex(r => r.Id == ruleId);
        return index >= 0 ? index : throw DomainException.NotFound($"Rule {ruleId} does not exist in this project.");
    }

    /// <summary>Records compare lists by reference; a change that repeats the rule is no change.</summary>
    private static bool Same(RuleView a, RuleView b) =>
        a.Name == b.Name && a.Enabled == b.Enabled && a.Trigger == b.Trigger && a.Conditions == b.Conditions && a.Actions.SequenceEqual(b.Actions);

    /// <summary>What the audit log keeps of a rule: enough to see what changed, nothing a customer typed.</summary>
    private static object Summary(RuleView r) => new
    {
        name = r.Name,
        enabled = r.Enabled,
        trigger = r.Trigger.Type,
        target = r.Trigger.Target,
        minutes = r.Trigger.Minutes,
        actions = r.Actions.Select(a => a.Type).ToList(),
    };
}
