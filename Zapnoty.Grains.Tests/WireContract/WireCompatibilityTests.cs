using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization.TypeSystem;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Tests.WireContract;

/// <summary>
/// A silo of this build and a silo of the previous release (its identities captured in
/// previous-release.txt by scripts/capture-wire-identities.sh) share a cluster during a rolling
/// upgrade, and so, in the next upgrade, do this build and the next release: each must route,
/// call and read what the other sends. Every converter here is Orleans' own.
/// </summary>
public sealed class WireCompatibilityTests
{
    private static readonly Assembly Grains = typeof(ITicketGrain).Assembly;
    private static readonly IReadOnlyDictionary<string, string> Previous = Load();

    /// <summary>What this build writes: Orleans with our aliases, as the silo configures it (<see cref="PreviousReleaseWire"/>).</summary>
    private static readonly IServiceProvider ThisBuild = WireIdentities.Serializer(Grains, PreviousReleaseWire.Apply);
    private static readonly SortedDictionary<string, string> Current = WireIdentities.Of(Grains, ThisBuild);

    [Fact]
    public void Every_grain_interface_keeps_the_interface_type_the_previous_release_routes_by()
    {
        foreach (var (item, previous) in Previous.Where(p => Is(p.Key, "interface")))
            Assert.Equal((item, previous), (item, Current.GetValueOrDefault(item)));
    }

    [Fact]
    public void Every_serialized_type_is_named_on_the_wire_exactly_as_the_previous_release_names_it()
    {
        foreach (var (item, previous) in Previous.Where(p => Is(p.Key, "type")))
            Assert.Equal((item, previous), (item, Current.GetValueOrDefault(item)));
    }

    [Fact]
    public void Every_grain_method_keeps_its_signature_and_is_called_exactly_as_the_previous_release_calls_it()
    {
        foreach (var (item, previous) in Previous.Where(p => Is(p.Key, "method")))
        {
            Assert.True(Current.TryGetValue(item, out var current), $"{item} is gone or changed its signature; keep it for one release next to its replacement.");
            Assert.Equal((item, previous), (item, current));
        }
    }

    [Fact]
    public void This_build_reads_every_call_and_type_name_the_previous_release_writes() =>
        AssertReads(ThisBuild.GetRequiredService<TypeConverter>(), Previous.Where(p => Is(p.Key, "type") || Is(p.Key, "method")));

    [Fact]
    public void The_previous_release_reads_every_call_and_type_name_this_build_writes() =>
        AssertReads(PreviousRelease(), Current.Where(c => Previous.ContainsKey(c.Key) && (Is(c.Key, "type") || Is(c.Key, "method"))));

    [Fact]
    public void This_build_reads_the_names_the_next_release_writes_by_alias()
    {
        var nextRelease = WireIdentities.Of(Grains, WireIdentities.Serializer(Grains));
        Assert.Contains(nextRelease, n => n.Value.Contains("[Zapnoty.Grains.Tickets.ITicketGrain]", StringComparison.Ordinal));
        AssertReads(ThisBuild.GetRequiredService<TypeConverter>(), nextRelease.Where(n => Is(n.Key, "type") || Is(n.Key, "method")));
    }

    /// <summary>Why <see cref="PreviousReleaseWire"/> exists: the call as the next release writes it, refused by the previous release.</summary>
    [Fact]
    public void The_previous_release_would_refuse_a_call_naming_its_interface_by_alias()
    {
        var get = WireIdentities.Of(Grains, WireIdentities.Serializer(Grains))
            .Single(n => n.Key.StartsWith("method Zapnoty.Grains.Tickets.ITicketGrain.Get()", StringComparison.Ordinal)).Value;
        Assert.Equal("(\"inv\",[GrainRef],[Zapnoty.Grains.Tickets.ITicketGrain],\"B8172FA3\")", get);
        Assert.Throws<InvalidOperationException>(() => PreviousRelease().Parse(get));
    }

    private static void AssertReads(TypeConverter reader, IEnumerable<KeyValuePair<string, string>> written)
    {
        var count = 0;
        foreach (var (item, name) in written)
        {
            var type = reader.Parse(name);
            Assert.Equal(item, Is(item, "method") ? "method " + WireIdentities.Signature(WireIdentities.InvokedMethod(type)!) : "type " + WireIdentities.Name(type));
            count++;
        }

        Assert.True(count > 100, $"only {count} names read");
    }

    /// <summary>
    /// Orleans' type converter as a silo of the previous release has it: the same generated code,
    /// Orleans version and type resolution, but only the [Alias] names that release declared.
    /// </summary>
    private static TypeConverter PreviousRelease()
    {
        var known = Previous.Keys.Where(k => Is(k, "alias")).Select(k => k["alias ".Length..]).ToHashSet();
        Assert.NotEmpty(known);
        var services = WireIdentities.Serializer(Grains, options =>
        {
            foreach (var alias in options.WellKnownTypeAliases.Where(a => a.Value.Assembly == Grains && !known.Contains(a.Key)).Select(a => a.Key).ToList())
                options.WellKnownTypeAliases.Remove(alias);
        });
        return services.GetRequiredService<TypeConverter>();
    }

    private static bool Is(string item, string kind) => item.StartsWith(kind + " ", StringComparison.Ordinal);

    private static Dictionary<string, string> Load()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "WireContract", "previous-release.txt");
        return File.ReadAllLines(path).Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split(" = ", 2)).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
    }
}
