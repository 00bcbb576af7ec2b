using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Zapnoty.Grains;

/// <summary>
/// The snake_case names enums have on the wire and in the database (<c>InProgress</c> is
/// <c>in_progress</c>). One rule for JSON, SQL parameters and query-string filters alike.
/// </summary>
public static class WireNames
{
    public static string Wire<T>(this T value) where T : struct, Enum => Table<T>.NameOf[value];

    public static bool TryParseWire<T>(string? name, [NotNullWhen(true)] out T value) where T : struct, Enum
    {
        if (name is not null && Table<T>.ValueOf.TryGetValue(name, out value)) return true;
        value = default;
        return false;
    }

    public static T ParseWire<T>(string name) where T : struct, Enum =>
        TryParseWire<T>(name, out var value) ? value : throw new FormatException($"'{name}' is not a known {typeof(T).Name}");

    /// <summary>All wire names of <typeparamref name="T"/>, for error messages and the OpenAPI schema.</summary>
    public static IReadOnlyCollection<string> All<T>() where T : struct, Enum => Table<T>.NameOf.Values;

    private static class Table<T> where T : struct, Enum
    {
        public static readonly Dictionary<T, string> NameOf =
            Enum.GetValues<T>().ToDictionary(v => v, v => JsonNamingPolicy.SnakeCaseLower.ConvertName(v.ToString()));

        public static readonly Dictionary<string, T> ValueOf =
            NameOf.ToDictionary(pair => pair.Value, pair => pair.Key, StringComparer.Ordinal);
    }
}
