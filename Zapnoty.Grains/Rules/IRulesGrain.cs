using Orleans.Concurrency;

namespace Zapnoty.Grains.Rules;

/// <summary>The single writer of one project's escalation and automation rules (keyed by the project id).</summary>
[Alias("Zapnoty.Grains.Rules.IRulesGrain")]
public interface IRulesGrain : IGrainWithGuidKey
{
    /// <summary>
    /// The project's rules, oldest first (the order they fire in); tickets read them after every
    /// change. Interleaved: a read of memory, never held up behind a change that is validating.
    /// </summary>
    [AlwaysInterleave]
    [Alias("R1ABF301")]
    Task<IReadOnlyList<RuleView>> List();

    /// <summary>
    /// A new rule. Malformed fields: Invalid; an unknown trigger, target, action, tag, person or
    /// type, or past <see cref="RuleLimits.MaxPerProject"/> rules or <see cref="RuleLimits.MaxActions"/> actions: Unprocessable.
    /// </summary>
    [Alias("R1ABF302")]
    Task<RuleView> Add(Actor actor, RuleDraft draft);

    /// <summary>Changes what the draft gives (validated as a whole, as a new rule is); unknown rule: NotFound.</summary>
    [Alias("R1ABF303")]
    Task<RuleView> Change(Actor actor, Guid ruleId, RuleDraft draft);

    /// <summary>Deletes the rule; tickets keep the history of what it did. Unknown rule: NotFound.</summary>
    [Alias("R1ABF304")]
    Task Remove(Actor actor, Guid ruleId);
}
