using System.Text.Json;

namespace Zapnoty.Grains.Tests.Fuzz;

/// <summary>A parameter of an operation: where it goes (path or query), its name and its schema.</summary>
public sealed record OpenApiParameter(string Name, string In, bool Required, JsonElement Schema);

/// <summary>One operation of the served OpenAPI document, with its JSON body schema when it takes one.</summary>
public sealed record OpenApiOperation(string Method, string Path, IReadOnlyList<OpenApiParameter> Parameters, JsonElement? Body)
{
    /// <summary>
    /// Every placeholder of the path, declared or not: the document lists only the ids a handler
    /// binds, but routing and access checks see all of them.
    /// </summary>
    public IEnumerable<OpenApiParameter> InPath =>
        System.Text.RegularExpressions.Regex.Matches(Path, "{([^}]+)}").Select(m => m.Groups[1].Value)
            .Select(name => Parameters.FirstOrDefault(p => p.In == "path" && p.Name == name) ?? new OpenApiParameter(name, "path", true, default));
    public IEnumerable<OpenApiParameter> InQuery => Parameters.Where(p => p.In == "query");
    public override string ToString() => $"{Method} {Path}";
}

/// <summary>
/// Reads the operations out of an OpenAPI 3.x document (as Swashbuckle serves it) and resolves
/// local <c>$ref</c>s, so the fuzzer walks whatever the API publishes, not a hand-kept list.
/// </summary>
public sealed class OpenApiDocument(JsonElement root)
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch"];

    public IReadOnlyList<OpenApiOperation> Operations()
    {
        var operations = new List<OpenApiOperation>();
        foreach (var path in root.GetProperty("paths").EnumerateObject())
        {
            var shared = path.Value.TryGetProperty("parameters", out var common) ? common.EnumerateArray().ToList() : [];
            foreach (var method in Methods)
            {
                if (!path.Value.TryGetProperty(method, out var operation)) continue;
                var parameters = shared.Concat(operation.TryGetProperty("parameters", out var own) ? own.EnumerateArray() : [])
                    .Select(Resolve)
                    .Select(p => new OpenApiParameter(p.GetProperty("name").GetString()!, p.GetProperty("in").GetString()!,
                        p.TryGetProperty("required", out var required) && required.GetBoolean(),
                        p.TryGetProperty("schema", out var schema) ? Resolve(schema) : default))
                    .ToList();
                operations.Add(new OpenApiOperation(method.ToUpperInvariant(), path.Name, parameters, BodySchema(operation)));
            }
        }
        return operations;
    }

    /// <summary>The schema a <c>$ref</c> points at (the element itself when it is not a reference).</summary>
    public JsonElement Resolve(JsonElement element)
    {
        for (var hops = 0; hops < 16 && element.ValueKind == JsonValueKind.Object && element.TryGetProperty("$ref", out var reference); hops++)
        {
            var target = root;
            foreach (var part in reference.GetString()!.TrimStart('#', '/').Split('/'))
                target = target.GetProperty(part.Replace("~1", "/").Replace("~0", "~"));
            element = target;
        }
        return element;
    }

    private JsonElement? BodySchema(JsonElement operation)
    {
        if (!operation.TryGetProperty("requestBody", out var body)) return null;
        body = Resolve(body);
        if (!body.TryGetProperty("content", out var content)) return null;
        foreach (var media in content.EnumerateObject())
            if (media.Name.Contains("json", StringComparison.OrdinalIgnoreCase) && media.Value.TryGetProperty("schema", out var schema))
                return Resolve(schema);
        return null;
    }
}
