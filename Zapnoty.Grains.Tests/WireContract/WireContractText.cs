using System.Reflection;

namespace Zapnoty.Grains.Tests.WireContract;

/// <summary>
/// docs/wire-contract.txt: every alias of an assembly with what travels under it, one line each,
/// <c>key[ = wire shape][ # C# name]</c>. The key is what the wire identifies (an alias, a field
/// [Id], an enum value); the shape after <c>=</c> must never change for a key; the part after
/// <c>#</c> is the C# name, free to change. <c>retired &lt;key&gt;</c> lines keep removed keys from
/// ever being used again.
/// </summary>
public sealed record WireContractText(SortedDictionary<string, (string Shape, string Name)> Entries, SortedSet<string> Retired)
{
    public const string Missing = "<no alias>";

    public static WireContractText Of(Assembly assembly)
    {
        var entries = new SortedDictionary<string, (string, string)>(StringComparer.Ordinal);
        foreach (var type in assembly.GetTypes())
        {
            if (type.IsInterface && typeof(IAddressable).IsAssignableFrom(type))
            {
                var grain = AliasOf(type);
                entries[$"interface {grain}"] = ("", WireIdentities.Name(type));
                foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
                    entries[$"method {grain} {AliasOf(method)}"] = (Signature(method), method.Name);
            }
            else if (type.GetCustomAttribute<GenerateSerializerAttribute>() is not null)
            {
                var alias = AliasOf(type);
                entries[$"type {alias}"] = ("", WireIdentities.Name(type));
                if (type.IsEnum)
                    foreach (var value in Enum.GetValues(type))
                        entries[$"value {alias} {Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)}"] = ("", value.ToString()!);
                foreach (var (id, member, memberType) in Fields(type))
                    entries[$"field {alias} {id}"] = (Shape(memberType), member);
            }
        }

        return new(entries, new SortedSet<string>(StringComparer.Ordinal));
    }

    public static WireContractText Parse(string text)
    {
        var contract = new WireContractText(new(StringComparer.Ordinal), new(StringComparer.Ordinal));
        foreach (var line in text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0 && !l.StartsWith("//", StringComparison.Ordinal)))
        {
            if (line.StartsWith("retired ", StringComparison.Ordinal)) { contract.Retired.Add(line["retired ".Length..]); continue; }
            var (rest, name) = Split(line, " # ");
            var (key, shape) = Split(rest, " = ");
            contract.Entries[key] = (shape, name);
        }

        return contract;
    }

    public string Format(string header) =>
        header + string.Concat(Entries.Select(e => e.Key + (e.Value.Shape.Length > 0 ? " = " + e.Value.Shape : "") + (e.Value.Name.Length > 0 ? " # " + e.Value.Name : "") + "\n"))
        + string.Concat(Retired.Select(r => $"retired {r}\n"));

    /// <summary>The alias Orleans puts on the wire for a type or method, or <see cref="Missing"/>.</summary>
    public static string AliasOf(MemberInfo member) => member.GetCustomAttribute<AliasAttribute>()?.Alias ?? Missing;

    private static string Signature(MethodInfo method) =>
        $"{method.Name}({string.Join(", ", method.GetParameters().Select(p => Shape(p.ParameterType)))}) -> {Shape(method.ReturnType)}";

    /// <summary>A type as the wire knows it: ours by alias (so a C# rename changes nothing), others by name.</summary>
    private static string Shape(Type type) =>
        WireIdentities.Name(type, t => t.GetCustomAttribute<GenerateSerializerAttribute>() is null ? null : AliasOf(t));

    /// <summary>
    /// Every member with an [Id]: the type's own, then those it inherits from types of ours (ids
    /// count per level of the hierarchy, so those are keyed by the base type's alias too).
    /// </summary>
    private static IEnumerable<(string Id, string Member, Type Type)> Fields(Type type)
    {
        for (var level = type; level is not null && level.Assembly == type.Assembly; level = level.BaseType)
            foreach (var member in level.GetMembers(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.DeclaredOnly))
                if (member.GetCustomAttribute<IdAttribute>() is { } id && member is PropertyInfo or FieldInfo)
                    yield return (level == type ? $"{id.Id}" : $"{AliasOf(level)}/{id.Id}", member.Name,
                        member is PropertyInfo p ? p.PropertyType : ((FieldInfo)member).FieldType);
    }

    private static (string, string) Split(string line, string separator) =>
        line.IndexOf(separator, StringComparison.Ordinal) is var at and >= 0 ? (line[..at], line[(at + separator.Length)..]) : (line, "");
}
