namespace Zapnoty.Grains.Storage;

/// <summary>
/// A migration that is not backward compatible was about to run while silos that may run an
/// older version are alive; the silo does not start (docs/OPERATIONS.md, "Rolling upgrade").
/// </summary>
public sealed class BreakingMigrationRefusedException(string version, string breaking, IReadOnlyList<LiveSilo> silos)
    : InvalidOperationException(
        $"Migration {version} is not backward compatible ({breaking}) and {silos.Count} silo(s) that may run an older version are alive: " +
        $"{string.Join("; ", silos)}. Stop every silo, then start the new version. If they are already stopped (stale membership rows " +
        $"after a crash), set {MigrationOptions.Section}:ConfirmFullStop={version}.")
{
    public string Version => version;
    public IReadOnlyList<LiveSilo> Silos => silos;
}
