using Orleans.Concurrency;

namespace Zapnoty.Grains.Csat;

/// <summary>A project's CSAT survey settings, keyed by the project id; read on every close, so kept in memory.</summary>
[Alias("Zapnoty.Grains.Csat.ICsatSettingsGrain")]
public interface ICsatSettingsGrain : IGrainWithGuidKey
{
    /// <summary>The settings; <see cref="CsatSettings.Default"/> (off) while the project has set none.</summary>
    [Alias("C5A70001")]
    [ReadOnly] Task<CsatSettings> Get();

    /// <summary>Replaces the settings after <see cref="CsatRules.Normalize"/>; returns what is stored.</summary>
    [Alias("C5A70002")]
    Task<CsatSettings> Set(Actor actor, CsatSettings settings);
}
