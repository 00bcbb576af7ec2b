using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Metadata;
using Orleans.Serialization;
using Orleans.Serialization.Configuration;
using Orleans.Serialization.Invocation;
using Orleans.Serialization.TypeSystem;

namespace Zapnoty.Grains.Tests.WireContract;

/// <summary>
/// What Orleans itself puts on the wire for an assembly's grain interfaces (the
/// <see cref="GrainInterfaceType"/> in every message header), grain methods (the type name of the
/// generated invokable that carries a call) and serialized types (the type name written when a
/// value travels as <c>object</c> or a base type). Reads only Orleans' own services and reflection,
/// so the same file captured the previous release's list (see previous-release.txt) and checks
/// this build's.
/// </summary>
public static class WireIdentities
{
    /// <summary>Orleans' serializer services for an assembly, with <paramref name="configure"/> run after Orleans' own setup.</summary>
    public static IServiceProvider Serializer(Assembly assembly, Action<TypeManifestOptions>? configure = null)
    {
        var services = new ServiceCollection().AddSerializer(builder => builder.AddAssembly(assembly));
        if (configure is not null) services.PostConfigure(configure);
        return services.BuildServiceProvider();
    }

    /// <summary>One line per item: kind, the item as C# names it, then Orleans' identity for it; and the [Alias] names Orleans knows.</summary>
    public static SortedDictionary<string, string> Of(Assembly assembly, IServiceProvider serializer)
    {
        var converter = serializer.GetRequiredService<TypeConverter>();
        // A silo has its resolver; bare serializer services fall back to Orleans' convention (we declare no [GrainInterfaceType]).
        var interfaces = serializer.GetService<GrainInterfaceTypeResolver>() ?? new GrainInterfaceTypeResolver([], converter);
        var identities = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var type in assembly.GetTypes())
        {
            if (type.IsInterface && typeof(IAddressable).IsAssignableFrom(type))
                identities["interface " + Name(type)] = interfaces.GetGrainInterfaceType(type).ToString();
            else if (type.GetCustomAttribute<GenerateSerializerAttribute>() is not null)
                identities["type " + Name(type)] = converter.Format(type);
            else if (InvokedMethod(type) is { } method)
                identities["method " + Signature(method)] = converter.Format(type);
        }

        var manifest = serializer.GetRequiredService<IOptions<TypeManifestOptions>>().Value;
        foreach (var (alias, type) in manifest.WellKnownTypeAliases.Where(a => a.Value.Assembly == assembly))
            identities[$"alias {alias}"] = Name(type);

        return identities;
    }

    /// <summary>The grain method a generated invokable (a class with an <c>"inv"</c> compound alias) carries, if it is one.</summary>
    public static MethodInfo? InvokedMethod(Type type)
    {
        if (type.IsAbstract || type.ContainsGenericParameters || !typeof(IInvokable).IsAssignableFrom(type)) return null;
        if (!type.GetCustomAttributes<CompoundTypeAliasAttribute>().Any(a => a.Components is ["inv", ..])) return null;
        return ((IInvokable)Activator.CreateInstance(type, nonPublic: true)!).GetMethod();
    }

    public static string Signature(MethodInfo method) =>
        $"{Name(method.DeclaringType!)}.{method.Name}({string.Join(", ", method.GetParameters().Select(p => Name(p.ParameterType)))}) -> {Name(method.ReturnType)}";

    /// <summary>
    /// C#-like names: Zapnoty.Grains.Tickets.TicketView, IReadOnlyList&lt;System.Guid&gt;, System.Int32?;
    /// <paramref name="rename"/> may name a type (and the types inside it) otherwise, e.g. by its alias.
    /// </summary>
    public static string Name(Type type, Func<Type, string?>? rename = null)
    {
        if (rename?.Invoke(type) is { } renamed) return renamed;
        if (Nullable.GetUnderlyingType(type) is { } underlying) return Name(underlying, rename) + "?";
        if (type.IsArray) return Name(type.GetElementType()!, rename) + "[]";
        var name = (type.IsNested ? Name(type.DeclaringType!) + "+" + type.Name : type.Namespace + "." + type.Name).Split('`')[0];
        return type.IsGenericType ? $"{name}<{string.Join(", ", type.GetGenericArguments().Select(t => Name(t, rename)))}>" : name;
    }
}
