using System.Reflection;
using Zapnoty.Grains.Tests.Contract;
using Zapnoty.Grains.Tests.Infrastructure;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Tests.WireContract;

/// <summary>
/// docs/wire-contract.txt is the reviewed list of every alias and what travels under it. Additions
/// need the file rewritten (ZAPNOTY_UPDATE_CONTRACT=1, never under CI=true); a removed, changed or
/// reused alias or field id fails, because a silo of the previous release would misread it.
/// </summary>
public sealed class WireContractTests
{
    private const string Header =
        "// The Orleans wire contract: every alias and field id, and what travels under it (docs/DESIGN.md \"Wire contract\").\n" +
        "// Written by WireContractTests with ZAPNOTY_UPDATE_CONTRACT=1; key [= shape that must never change] [# C# name, free to change].\n";

    private static readonly Assembly Grains = typeof(ITicketGrain).Assembly;
    private static string File => RepositoryFiles.PathOf("docs", "wire-contract.txt");

    [Fact]
    public void Every_grain_interface_grain_method_and_serialized_type_declares_its_alias()
    {
        // The analyzer (ORLEANS0010, an error here) misses enums; this catches every kind.
        var missing = WireContractText.Of(Grains).Entries.Keys.Where(k => k.Contains(WireContractText.Missing, StringComparison.Ordinal));
        Assert.Empty(missing);
    }

    [Fact]
    public void No_two_serialized_types_or_grain_interfaces_share_an_alias()
    {
        var shared = Grains.GetTypes()
            .Where(t => t.GetCustomAttribute<GenerateSerializerAttribute>() is not null || t.IsInterface && typeof(IAddressable).IsAssignableFrom(t))
            .GroupBy(WireContractText.AliasOf, StringComparer.Ordinal).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(t => t.FullName))}");
        Assert.Empty(shared);
    }

    [Fact]
    public void The_wire_contract_only_grows_and_matches_docs_wire_contract_txt()
    {
        var committed = WireContractText.Parse(System.IO.File.Exists(File) ? System.IO.File.ReadAllText(File) : "");
        var current = WireContractText.Of(Grains);
        foreach (var retired in committed.Retired) current.Retired.Add(retired);

        var changes = WireContractChanges.Between(committed, current);
        var update = ContractUpdate.Asked;
        var inCi = ContractUpdate.InCi;
        if (!inCi && changes.Breaking.Count == 0 && update == "1" || !inCi && changes.Unfixable.Count == 0 && update == "breaking")
        {
            foreach (var removed in changes.Removed) current.Retired.Add(removed);
            System.IO.File.WriteAllText(File, current.Format(Header));
            return;
        }

        Assert.True(changes.Unfixable.Count == 0,
            "Changed or reused wire identities (a silo of the previous release would misread them; use a new alias or [Id] instead):\n" + string.Join("\n", changes.Unfixable));
        Assert.True(changes.Removed.Count == 0,
            "Removed from the wire contract (keep it one release after its replacement, then run with ZAPNOTY_UPDATE_CONTRACT=breaking):\n" + string.Join("\n", changes.Removed));
        Assert.True(changes.Other.Count == 0,
            "docs/wire-contract.txt is behind the code; review and run the tests with ZAPNOTY_UPDATE_CONTRACT=1 to rewrite it:\n" + string.Join("\n", changes.Other));
    }

    [Fact]
    public void A_changed_field_type_a_reused_id_and_a_removal_are_told_apart_from_an_addition()
    {
        var committed = WireContractText.Parse("field T 0 = System.Guid # Id\nfield T 1 = System.String # Name\nretired field T 2\nmethod I Old = Old() -> System.Threading.Tasks.Task\n");
        var current = WireContractText.Parse("field T 0 = System.String # Id\nfield T 1 = System.String # Title\nfield T 2 = System.Int32 # Count\nfield T 3 = System.Int32 # Added\n");
        foreach (var retired in committed.Retired) current.Retired.Add(retired);

        var changes = WireContractChanges.Between(committed, current);

        Assert.Equal(["changed field T 0: System.Guid -> System.String", "reused retired field T 2"], changes.Unfixable);
        Assert.Equal(["method I Old"], changes.Removed);
        Assert.Equal(["renamed field T 1: Name -> Title", "added field T 3"], changes.Other);
    }
}

/// <summary>How the code's wire contract differs from the committed one, worst first.</summary>
public sealed record WireContractChanges(List<string> Unfixable, List<string> Removed, List<string> Other)
{
    public List<string> Breaking => [.. Unfixable, .. Removed];

    public static WireContractChanges Between(WireContractText committed, WireContractText current)
    {
        var changes = new WireContractChanges([], [], []);
        foreach (var (key, (shape, name)) in current.Entries)
        {
            if (current.Retired.Contains(key)) changes.Unfixable.Add($"reused retired {key}");
            else if (!committed.Entries.TryGetValue(key, out var before)) changes.Other.Add($"added {key}");
            else if (before.Shape != shape) changes.Unfixable.Add($"changed {key}: {before.Shape} -> {shape}");
            else if (before.Name != name) changes.Other.Add($"renamed {key}: {before.Name} -> {name}");
        }

        changes.Removed.AddRange(committed.Entries.Keys.Where(key => !current.Entries.ContainsKey(key)));
        return changes;
    }
}
