using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Serialization.Configuration;
using Orleans.Serialization.TypeSystem;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Tests.WireContract;

/// <summary>
/// A silo of this build and a silo of the previous release (its identities captured in
/// previous-release.txt by scripts/capture-wire-identities.sh) share a cluster during a rolling
/// upgrade: each must route, call and read what the other sends.
/// </summary>
public sealed class WireCompatibilityTests
{
    private static readonly Assembly Grains = typeof(ITicketGrain).Assembly;
    private static readonly IReadOnlyDictionary<string, string> Previous = Load();
    private static readonly SortedDictionary<string, string> Current = WireIdentities.Of(Grains, WireIdentities.Serializer(Grains));

    [Fact]
    public void Every_grain_interface_keeps_the_interface_type_the_previous_release_routes_by()
    {
        foreach (var (item, previous) in Previous.Where(p => p.Key.StartsWith("interface ", StringComparison.Ordinal)))
            Assert.Equal((item, previous), (item, Current.GetValueOrDefault(item)));
    }

    [Fact]
    public void Every_serialized_type_is_written_under_the_very_name_the_previous_release_wrote()
    {
        foreach (var (item, previous) in Previous.Where(p => p.Key.StartsWith("type ", StringComparison.Ordinal)))
            Assert.Equal((item, previous), (item, Current.GetValueOrDefault(item)));
    }

    [Fact]
    public void Every_grain_method_keeps_its_signature_and_the_method_id_the_previous_release_sends()
    {
        foreach (var (item, previous) in Previous.Where(p => p.Key.StartsWith("method ", StringComparison.Ordinal)))
        {
            Assert.True(Current.TryGetValue(item, out var current), $"{item} is gone or changed its signature; keep it for one release next to its replacement.");
            Assert.Equal((item, MethodId(previous)), (item, MethodId(current)));
        }
    }

    [Fact]
    public void This_build_reads_every_call_and_type_name_the_previous_release_writes()
    {
        var converter = WireIdentities.Serializer(Grains).GetRequiredService<TypeConverter>();
        foreach (var (item, previous) in Previous.Where(p => !p.Key.StartsWith("interface ", StringComparison.Ordinal) && !p.Key.StartsWith("alias ", StringComparison.Ordinal)))
            Assert.Equal(item, Describe(item, converter.Parse(previous)));
    }

    [Fact]
    public void The_previous_release_reads_every_call_and_type_name_this_build_writes()
    {
        var converter = PreviousReleaseConverter();
        foreach (var (item, current) in Current.Where(c => Previous.ContainsKey(c.Key) && !c.Key.StartsWith("interface ", StringComparison.Ordinal) && !c.Key.StartsWith("alias ", StringComparison.Ordinal)))
            Assert.Equal(item, Describe(item, converter.Parse(current)));
    }

    /// <summary>
    /// Orleans' type converter as a silo of the previous release has it: the same generated code
    /// and type resolution, but only the [Alias] names that release declared.
    /// </summary>
    private static TypeConverter PreviousReleaseConverter()
    {
        var services = WireIdentities.Serializer(Grains);
        var aliases = services.GetRequiredService<IOptions<TypeManifestOptions>>().Value.WellKnownTypeAliases;
        var known = Previous.Keys.Where(k => k.StartsWith("alias ", StringComparison.Ordinal)).Select(k => k["alias ".Length..]).ToHashSet();
        foreach (var (alias, _) in aliases.Where(a => a.Value.Assembly == Grains && !known.Contains(a.Key)).ToList()) aliases.Remove(alias);
        Assert.NotEmpty(known);
        return services.GetRequiredService<TypeConverter>();
    }

    private static string Describe(string item, Type type) =>
        item.StartsWith("method ", StringComparison.Ordinal)
            ? "method " + WireIdentities.Signature(WireIdentities.InvokedMethod(type)!)
            : "type " + WireIdentities.Name(type);

    /// <summary>The last element of an invokable's compound alias: ("inv",[GrainRef],[interface],"61209ABC").</summary>
    private static string MethodId(string invokable) => invokable[(invokable.LastIndexOf(",\"", StringComparison.Ordinal) + 2)..^2];

    private static Dictionary<string, string> Load()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "WireContract", "previous-release.txt");
        return File.ReadAllLines(path).Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split(" = ", 2)).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
    }
}
