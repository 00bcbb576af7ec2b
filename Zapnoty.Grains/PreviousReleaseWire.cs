using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization.Configuration;

namespace Zapnoty.Grains;

/// <summary>
/// The rolling upgrade from the release before aliases (dde0d7d). A silo of that release finds a
/// grain interface written by its alias (its name without ",Zapnoty.Grains") but then refuses the
/// call as a type it does not allow, so this release keeps writing every name as that release did
/// (our aliases are withheld from Orleans' type names) and accepts the alias names the next
/// release will write. Remove it in the release after this one (docs/DESIGN.md "Wire contract").
/// </summary>
public static class PreviousReleaseWire
{
    /// <summary>Aliases the previous release already had, and so wrote and reads.</summary>
    private static readonly string[] Released = ["Zapnoty.Billing.IBillingGrain"];

    public static IServiceCollection WriteNamesAsThePreviousRelease(this IServiceCollection services) =>
        services.PostConfigure<TypeManifestOptions>(Apply);

    public static void Apply(TypeManifestOptions options)
    {
        var ours = typeof(PreviousReleaseWire).Assembly;
        foreach (var alias in options.WellKnownTypeAliases.Where(a => a.Value.Assembly == ours && !Released.Contains(a.Key)).Select(a => a.Key).ToList())
        {
            options.WellKnownTypeAliases.Remove(alias);
            // Each alias is its type's full name, which Orleans resolves among the loaded assemblies.
            options.AllowedTypes.Add(alias);
        }
    }
}
