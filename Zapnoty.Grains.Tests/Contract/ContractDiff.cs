using System.Text.Json.Nodes;

namespace Zapnoty.Grains.Tests.Contract;

/// <summary>
/// What changed between two OpenAPI documents, in the words a reviewer uses: paths, operations,
/// their parameters, bodies and responses, and schemas with their properties. One line per
/// change, <c>+</c> added, <c>-</c> removed, <c>~</c> changed.
/// </summary>
public static class ContractDiff
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];

    public static IReadOnlyList<string> Between(JsonNode committed, JsonNode served)
    {
        var lines = new List<string>();
        Paths(Child(committed, "paths"), Child(served, "paths"), lines);
        Schemas(Child(Child(committed, "components"), "schemas"), Child(Child(served, "components"), "schemas"), lines);
        foreach (var key in ChangedKeys(Child(committed, "components"), Child(served, "components"), except: ["schemas"]))
            lines.Add($"~ components.{key}");
        foreach (var key in ChangedKeys(committed as JsonObject, served as JsonObject, except: ["paths", "components"]))
            lines.Add($"~ {key} (document level)");
        return lines;
    }

    private static void Paths(JsonObject? before, JsonObject? after, List<string> lines)
    {
        foreach (var path in Keys(before, after))
        {
            if (Child(before, path) is not { } old) { lines.Add($"+ path {path}: {string.Join(", ", OperationsOf(Child(after, path)))}"); continue; }
            if (Child(after, path) is not { } now) { lines.Add($"- path {path}"); continue; }
            foreach (var method in Methods)
            {
                var name = $"{method.ToUpperInvariant()} {path}";
                switch (Child(old, method), Child(now, method))
                {
                    case (null, null): break;
                    case (null, _): lines.Add($"+ operation {name}"); break;
                    case (_, null): lines.Add($"- operation {name}"); break;
                    case ({ } o, { } n): Operation(name, o, n, lines); break;
                }
            }
            foreach (var key in ChangedKeys(old, now, except: Methods))
                lines.Add($"~ {key} of path {path}");
        }
    }

    private static void Operation(string name, JsonObject old, JsonObject now, List<string> lines)
    {
        if (JsonNode.DeepEquals(old, now)) return;
        var (oldResponses, newResponses) = (Child(old, "responses"), Child(now, "responses"));
        foreach (var status in Keys(oldResponses, newResponses))
            if (Change(Child(oldResponses, status), Child(newResponses, status)) is { } sign)
                lines.Add($"{sign} response {status} of {name}");

        var (oldParameters, newParameters) = (ParametersOf(old), ParametersOf(now));
        foreach (var parameter in oldParameters.Keys.Union(newParameters.Keys).Order(StringComparer.Ordinal))
            if (Change(oldParameters.GetValueOrDefault(parameter), newParameters.GetValueOrDefault(parameter)) is { } sign)
                lines.Add($"{sign} parameter {parameter} of {name}");

        if (Change(old["requestBody"], now["requestBody"]) is { } body)
            lines.Add($"{body} request body of {name}");
        foreach (var key in ChangedKeys(old, now, except: ["responses", "parameters", "requestBody"]))
            lines.Add($"~ {key} of {name}");
    }

    private static void Schemas(JsonObject? before, JsonObject? after, List<string> lines)
    {
        foreach (var schema in Keys(before, after))
        {
            var (old, now) = (Child(before, schema), Child(after, schema));
            if (old is null) lines.Add($"+ schema {schema}");
            else if (now is null) lines.Add($"- schema {schema}");
            else if (!JsonNode.DeepEquals(old, now))
            {
                var (oldProperties, newProperties) = (Child(old, "properties"), Child(now, "properties"));
                var details = Keys(oldProperties, newProperties)
                    .Select(p => Change(Child(oldProperties, p), Child(newProperties, p)) is { } sign ? $"{sign}{p}" : null)
                    .OfType<string>()
                    .Concat(ChangedKeys(old, now, except: ["properties"]).Select(key => $"~({key})"));
                lines.Add($"~ schema {schema}: {string.Join(" ", details)}");
            }
        }
    }

    /// <summary><c>+</c>, <c>-</c>, <c>~</c>, or null when both are the same.</summary>
    private static string? Change(JsonNode? old, JsonNode? now) =>
        (old, now) switch
        {
            (null, null) => null,
            (null, _) => "+",
            (_, null) => "-",
            _ => JsonNode.DeepEquals(old, now) ? null : "~",
        };

    private static Dictionary<string, JsonNode> ParametersOf(JsonObject operation) =>
        (operation["parameters"] as JsonArray ?? []).OfType<JsonObject>()
            .GroupBy(p => $"{p["in"]}:{p["name"]}")
            .ToDictionary(g => g.Key, g => (JsonNode)g.First());

    private static IEnumerable<string> OperationsOf(JsonObject? path) =>
        Methods.Where(m => path?[m] is not null).Select(m => m.ToUpperInvariant());

    /// <summary>Keys present on either side whose values differ, other than <paramref name="except"/>.</summary>
    private static IEnumerable<string> ChangedKeys(JsonObject? old, JsonObject? now, IReadOnlyCollection<string> except) =>
        Keys(old, now).Where(k => !except.Contains(k) && !JsonNode.DeepEquals(old?[k], now?[k]));

    private static IEnumerable<string> Keys(JsonObject? a, JsonObject? b) =>
        (a?.Select(p => p.Key) ?? []).Union(b?.Select(p => p.Key) ?? []).Order(StringComparer.Ordinal);

    private static JsonObject? Child(JsonNode? node, string key) => (node as JsonObject)?[key] as JsonObject;
}
