namespace Zapnoty.Grains.Tests.Contract;

/// <summary>
/// Whether a run may rewrite a committed contract (<c>docs/openapi.json</c>,
/// <c>docs/wire-contract.txt</c>): asked for with <c>ZAPNOTY_UPDATE_CONTRACT</c>, never under
/// <c>CI=true</c>, where the committed files are what is checked.
/// </summary>
public static class ContractUpdate
{
    public const string Variable = "ZAPNOTY_UPDATE_CONTRACT";

    /// <summary>The rewrite asked for (<c>1</c>, or <c>breaking</c> for the wire contract), or null.</summary>
    public static string? Asked => Environment.GetEnvironmentVariable(Variable);

    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
}
