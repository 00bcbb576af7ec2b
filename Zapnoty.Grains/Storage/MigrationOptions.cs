namespace Zapnoty.Grains.Storage;

/// <summary>Configuration section <c>Zapnoty:Migrations</c>: the guard on migrations that are not backward compatible.</summary>
public sealed class MigrationOptions
{
    public const string Section = "Zapnoty:Migrations";

    /// <summary>
    /// Versions of breaking migrations (comma-separated, e.g. <c>0017_drop_old_column</c>) the
    /// operator confirms are applied in a full-stop upgrade: every older silo is stopped even if
    /// the membership table still lists some (after a crash). Named one by one, so a confirmation
    /// left in the configuration never lets a later breaking migration through.
    /// </summary>
    public string ConfirmFullStop { get; set; } = "";

    /// <summary>
    /// How recently a silo must have written its IAmAlive time to count as alive: twice Orleans'
    /// default publish period (5 minutes), so a healthy silo is never missed.
    /// </summary>
    public TimeSpan LiveSiloWindow { get; set; } = TimeSpan.FromMinutes(10);

    public bool Confirms(string version) =>
        ConfirmFullStop.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Contains(version, StringComparer.Ordinal);
}
