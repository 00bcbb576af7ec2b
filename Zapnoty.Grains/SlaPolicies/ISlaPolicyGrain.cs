using Orleans.Concurrency;

namespace Zapnoty.Grains.SlaPolicies;

/// <summary>A project's SLA policies, keyed by the project id.</summary>
[Alias("Zapnoty.Grains.SlaPolicies.ISlaPolicyGrain")]
public interface ISlaPolicyGrain : IGrainWithGuidKey
{
    /// <summary>The policies, in canonical order; empty while the project has none (its settings' targets apply).</summary>
    [Alias("5A1B0001")]
    [ReadOnly] Task<IReadOnlyList<SlaPolicy>> Get();

    /// <summary>Replaces the policies after <see cref="SlaPolicyRules.Normalize"/>; returns what is stored. Tickets take them from their next change of priority or type.</summary>
    [Alias("5A1B0002")]
    Task<IReadOnlyList<SlaPolicy>> Set(Actor actor, IReadOnlyList<SlaPolicy> policies);

    /// <summary>The policies with the project's calendar: what a ticket needs to compute its due times.</summary>
    [Alias("5A1B0003")]
    [ReadOnly] Task<SlaSetup> Setup();
}
