using Zapnoty.Grains.Audit;
using Zapnoty.Grains.Storage;

namespace Zapnoty.Grains.Csat;

/// <summary>Owns one project's survey settings: validate, one transaction with the audit entry, then memory.</summary>
public sealed class CsatSettingsGrain(CsatSettingsStore store, TimeProvider clock) : Grain, ICsatSettingsGrain
{
    public const string AuditChanged = "helpdesk.csat_changed";

    private CsatSettings? _settings;

    public async Task<CsatSettings> Get() =>
        _settings ??= await store.Load(this.GetPrimaryKey(), CancellationToken.None) ?? CsatSettings.Default;

    public async Task<CsatSettings> Set(Actor actor, CsatSettings settings)
    {
        var normalized = CsatRules.Normalize(settings);
        await store.Save(this.GetPrimaryKey(), normalized, new AuditEntry(clock.StoredNow(), actor, AuditChanged, null,
            new { enabled = normalized.Enabled, comment_prompt = normalized.CommentPromptText is not null }), CancellationToken.None);
        _settings = normalized;
        return normalized;
    }
}
