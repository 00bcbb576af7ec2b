using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Zapnoty.Grains.Tests.Fuzz;

/// <summary>Who sends a request: the project's owner, nobody, or a forged <c>Authorization</c> header.</summary>
public enum FuzzCaller { Owner, Anonymous, Forged }

/// <summary>
/// One request of the fuzz run. <paramref name="Target"/> is the path and query exactly as sent
/// (percent escapes included); <paramref name="Authorization"/> is the forged header of a
/// <see cref="FuzzCaller.Forged"/> caller.
/// </summary>
public sealed record FuzzRequest(string Case, string Method, string Target, byte[]? Body, string? ContentType,
    FuzzCaller Caller = FuzzCaller.Owner, string? Authorization = null);

/// <summary>
/// Turns an operation of the OpenAPI document into malformed, oversized and hostile requests:
/// a plausible request first (real ids in the path, a body built from the schema), then the
/// same request with one thing broken at a time. Deterministic for a given seed.
/// </summary>
/// <param name="known">Real values by parameter or property name (<c>projectId</c>, <c>type_id</c>, <c>bot_token</c>, ...).</param>
public sealed class HostileRequests(OpenApiDocument document, IReadOnlyDictionary<string, string> known, int seed)
{
    private const string Slot = "__fuzz_slot__";
    private readonly Random _random = new(seed);

    /// <summary>Path segments an attacker might put where an id goes (already escaped for the URL).</summary>
    public static readonly string[] HostileIds =
    [
        "not-a-guid", "00000000-0000-0000-0000-000000000000", new('9', 300), "..%2F..%2Fprojects", "%2E%2E", "%7B%7Bticket.number%7D%7D",
        "%00", "a%00b", "%01%1F%7F", "%ED%A0%80", "%FF%FE", "-1", "1e999", "123:ABC%2F..%2Fx", "a%20b", "%E2%80%AE", new('x', 2000),
    ];

    /// <summary>Query values: wrong types, out of range, control characters, broken UTF-8, very long.</summary>
    public static readonly string[] HostileQueryValues =
    [
        "abc", "0", "-1", "99999999999999999999", "1.5", "true", "%00", "x%00y", "%01", "%FF", "%ED%A0%80", "%7B%7Bticket.number%7D%7D",
        "..%2F..%2Fetc%2Fpasswd", "not-a-guid", "%27%20OR%201%3D1--", new('q', 3000),
    ];

    /// <summary>JSON values put into one field at a time (raw JSON text).</summary>
    public static readonly string[] HostileValues = BuildHostileValues();

    /// <summary>Whole bodies that are not JSON, not the JSON asked for, or too big.</summary>
    private static readonly (string Case, byte[] Bytes)[] BrokenBodies =
    [
        ("unclosed object", Utf8("{")),
        ("unfinished member", Utf8("{\"a\":")),
        ("trailing comma", Utf8("{\"a\":1,}")),
        ("lone brace", Utf8("}")),
        ("bare word", Utf8("nul")),
        ("single quotes", Utf8("{'a':'b'}")),
        ("two documents", Utf8("{\"a\":1}{\"b\":2}")),
        ("empty", []),
        ("whitespace", Utf8("  \n\t ")),
        ("NUL byte", [0]),
        ("invalid UTF-8", [0xFF, 0xFE, 0x7B, 0x7D]),
        ("overlong UTF-8 in a string", [.. Utf8("{\"name\":\""), 0xC0, 0xAE, .. Utf8("\"}")]),
        ("lone surrogate root", Utf8("\"\\ud800\"")),
        ("array root", Utf8("[]")),
        ("string root", Utf8("\"s\"")),
        ("number root", Utf8("5")),
        ("null root", Utf8("null")),
        ("true root", Utf8("true")),
        ("deep array root", Utf8(new string('[', 5000) + new string(']', 5000))),
        ("deep object root", Utf8(string.Concat(Enumerable.Repeat("{\"a\":", 2000)) + "1" + new string('}', 2000))),
        ("huge array root", Utf8("[" + string.Join(',', Enumerable.Repeat("0", 30_000)) + "]")),
        ("body over 64 KB", Utf8("{\"text\":\"" + new string('x', 70_000) + "\"}")),
    ];

    /// <summary>Forged <c>Authorization</c> headers: not tokens, tokens of the wrong shape, other schemes.</summary>
    public static readonly string[] ForgedAuthorizations =
    [
        "Bearer {{ticket.number}}", "Bearer ../../etc/passwd", "Bearer zs_" + new string('a', 5000), "Basic Zm9vOmJhcg==", "Bearer",
        "Bearer zk_123:ABC/../x", "Bearer zs_%00", "Bearer " + Guid.Empty,
    ];

    public IEnumerable<FuzzRequest> For(OpenApiOperation op)
    {
        var target = Target(op, null, null);
        var sample = op.Body is { } schema ? Sample(schema, null, 0) : null;
        var sampleBytes = sample is null ? null : Utf8(sample.ToJsonString());
        FuzzRequest Plain(string label, string url, byte[]? body = null, string? contentType = "application/json") =>
            new(label, op.Method, url, body ?? sampleBytes, body is null && sampleBytes is null ? null : contentType);

        yield return Plain("plausible", target);
        yield return Plain("plausible, anonymous", target) with { Caller = FuzzCaller.Anonymous };
        foreach (var forged in Pick(ForgedAuthorizations, 3))
            yield return Plain("forged credential", target) with { Caller = FuzzCaller.Forged, Authorization = forged };

        foreach (var parameter in op.InPath)
            // A dot segment makes the server resolve another route (RFC 3986): on a DELETE, the deletion of
            // the parent, which its own operation already walks.
            foreach (var id in HostileIds.Where(id => op.Method != "DELETE" || id != "%2E%2E"))
                yield return Plain($"path {parameter.Name}={Short(id)}", Target(op, parameter.Name, id));

        foreach (var parameter in op.InQuery)
            foreach (var value in HostileQueryValues)
                yield return Plain($"query {parameter.Name}={Short(value)}", Target(op, null, null, (parameter.Name, value)));
        foreach (var parameter in op.InQuery.Take(1))
            yield return Plain($"query {parameter.Name} twice", $"{target}{Separator(target)}{parameter.Name}=1&{parameter.Name}=2");
        yield return Plain("unknown query parameter", $"{target}{Separator(target)}zz_unknown=%00");

        yield return Plain("URL of 9 KB", $"{target}{Separator(target)}zz={new string('u', 9 * 1024)}");
        yield return Plain("URL of 60 KB", $"{target}{Separator(target)}zz={new string('u', 60 * 1024)}");
        yield return Plain("path segment of 10 KB", $"{op.Path.Split('{')[0].TrimEnd('/')}/{new string('s', 10 * 1024)}");

        // An operation without a body gets a few bodies all the same; one with a body gets them all.
        var bodies = sample is null ? BrokenBodies.Where(b => b.Case is "unclosed object" or "NUL byte" or "body over 64 KB") : BrokenBodies;
        foreach (var (label, bytes) in bodies)
            yield return Plain($"body: {label}", target, bytes);
        yield return Plain("body: broken JSON, anonymous", target, BrokenBodies[0].Bytes) with { Caller = FuzzCaller.Anonymous };

        var body = sampleBytes ?? Utf8("{\"zz_unknown\":1}");
        yield return Plain("content type text/plain", target, body, "text/plain");
        yield return Plain("JSON without a content type", target, body, null);
        yield return Plain("content type garbage", target, body, "application/json; charset=nope");
        if (sample is null) yield break;
        yield return Plain("content type XML", target, Utf8("<a>1</a>"), "application/xml");
        yield return Plain("content type form", target, Utf8("name=a&slug=b"), "application/x-www-form-urlencoded");
        yield return Plain("content type multipart", target, Utf8("--b\r\n\r\nx\r\n--b--"), "multipart/form-data; boundary=b");
        yield return Plain("JSON as UTF-16", target, Encoding.Unicode.GetBytes(Encoding.UTF8.GetString(body)), "application/json; charset=utf-16");
        yield return Plain("content type merge-patch", target, body, "application/merge-patch+json");

        if (sample is JsonObject root)
        {
            var extra = (JsonObject)root.DeepClone();
            extra["zz_unknown"] = "x";
            yield return Plain("body: extra field", target, Utf8(extra.ToJsonString()));
            var first = root.FirstOrDefault().Key;
            if (first is not null)
                yield return Plain("body: duplicate field", target, Utf8(root.ToJsonString().TrimEnd('}') + $",\"{first}\":null}}"));
        }
        foreach (var (path, depth) in FieldsOf(sample, []))
        {
            var name = string.Join('.', path);
            if (Without(sample, path) is { } missing)
                yield return Plain($"body: without {name}", target, Utf8(missing));
            // Every hostile value into top-level fields; a seeded sample into nested ones (the same code reads them).
            foreach (var value in depth == 0 ? HostileValues : Pick(HostileValues, 10))
                yield return Plain($"body: {name}={Short(value)}", target, Utf8(With(sample, path, value)));
        }
    }

    /// <summary>The operation's path with real ids, one parameter swapped for <paramref name="hostile"/>, and a query.</summary>
    private string Target(OpenApiOperation op, string? swapped, string? hostile, (string Name, string Value)? query = null)
    {
        var path = op.Path;
        foreach (var parameter in op.InPath)
            path = path.Replace("{" + parameter.Name + "}", parameter.Name == swapped ? hostile! : Uri.EscapeDataString(KnownOr(parameter.Name, parameter.Schema)));
        return query is { } q ? $"{path}?{q.Name}={q.Value}" : path;
    }

    private static string Separator(string target) => target.Contains('?') ? "&" : "?";

    private string KnownOr(string name, JsonElement schema)
    {
        if (known.TryGetValue(name, out var value)) return value;
        return SchemaType(schema) switch
        {
            "integer" or "number" => "0",
            _ when Format(schema) == "uuid" => SeededGuid().ToString(),
            _ => "fuzz",
        };
    }

    /// <summary>A plausible value for a schema: real ids and tokens by name, else something of the right type.</summary>
    private JsonNode? Sample(JsonElement schema, string? name, int depth)
    {
        schema = document.Resolve(schema);
        if (name is not null && known.TryGetValue(name, out var value)) return JsonValue.Create(value);
        if (schema.ValueKind != JsonValueKind.Object || depth > 6) return null;
        foreach (var combinator in new[] { "allOf", "oneOf", "anyOf" })
            if (schema.TryGetProperty(combinator, out var options))
                foreach (var option in options.EnumerateArray())
                    if (SchemaType(document.Resolve(option)) != "null") return Sample(option, name, depth + 1);
        if (schema.TryGetProperty("enum", out var values) && values.EnumerateArray().FirstOrDefault(v => v.ValueKind != JsonValueKind.Null) is
            { ValueKind: not JsonValueKind.Undefined } choice)
            return JsonNode.Parse(choice.GetRawText());
        switch (SchemaType(schema))
        {
            case "object":
                var node = new JsonObject();
                if (schema.TryGetProperty("properties", out var properties))
                    foreach (var property in properties.EnumerateObject())
                        node[property.Name] = Sample(property.Value, property.Name, depth + 1);
                else if (schema.TryGetProperty("additionalProperties", out var additional) && additional.ValueKind == JsonValueKind.Object)
                    node["greeting"] = Sample(additional, null, depth + 1);
                return node;
            case "array":
                return schema.TryGetProperty("items", out var items) ? new JsonArray(Sample(items, null, depth + 1)) : new JsonArray();
            case "integer": return JsonValue.Create(1);
            case "number": return JsonValue.Create(1.0);
            case "boolean": return JsonValue.Create(true);
            case "string":
                return Format(schema) switch
                {
                    "uuid" => JsonValue.Create(SeededGuid().ToString()),
                    "email" => JsonValue.Create($"fuzz-{_random.Next(1_000_000)}@example.com"),
                    "date-time" => JsonValue.Create("2026-12-07T00:00:00Z"),
                    _ => JsonValue.Create(name is null ? "fuzz" : $"fuzz-{name.Replace('_', '-')}-{_random.Next(1_000_000)}"),
                };
            default: return null;
        }
    }

    /// <summary>The type of a schema: its first non-null "type" (OpenAPI 3.1 allows a list), "object" when it only lists properties.</summary>
    private static string? SchemaType(JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object) return null;
        if (schema.TryGetProperty("type", out var type))
        {
            if (type.ValueKind == JsonValueKind.String) return type.GetString();
            if (type.ValueKind == JsonValueKind.Array)
                return type.EnumerateArray().Select(t => t.GetString()).FirstOrDefault(t => t != "null") ?? "null";
        }
        return schema.TryGetProperty("properties", out _) || schema.TryGetProperty("additionalProperties", out _) ? "object" : null;
    }

    private static string? Format(JsonElement schema) =>
        schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("format", out var format) ? format.GetString() : null;

    /// <summary>Field paths of a sample body: its own fields and those of objects nested one level.</summary>
    private static IEnumerable<(string[] Path, int Depth)> FieldsOf(JsonNode node, string[] prefix)
    {
        if (node is not JsonObject obj || prefix.Length > 1) yield break;
        foreach (var (name, child) in obj)
        {
            string[] path = [.. prefix, name];
            yield return (path, prefix.Length);
            if (child is not null)
                foreach (var nested in FieldsOf(child, path)) yield return nested;
        }
    }

    /// <summary>The sample with the field at <paramref name="path"/> set to a raw JSON text (which need not be valid).</summary>
    private static string With(JsonNode sample, string[] path, string rawJson)
    {
        var copy = sample.DeepClone();
        ParentOf(copy, path)[path[^1]] = Slot;
        return copy.ToJsonString().Replace($"\"{Slot}\"", rawJson, StringComparison.Ordinal);
    }

    private static string? Without(JsonNode sample, string[] path)
    {
        var copy = sample.DeepClone();
        return ParentOf(copy, path).Remove(path[^1]) ? copy.ToJsonString() : null;
    }

    private static JsonObject ParentOf(JsonNode root, string[] path)
    {
        var node = root;
        foreach (var name in path[..^1]) node = node[name]!;
        return (JsonObject)node;
    }

    private Guid SeededGuid()
    {
        var bytes = new byte[16];
        _random.NextBytes(bytes);
        return new Guid(bytes);
    }

    private IEnumerable<string> Pick(string[] from, int count) => from.OrderBy(_ => _random.Next()).Take(count).ToList();

    private static string Short(string value) => value.Length <= 40 ? value : $"{value[..20]}...({value.Length} chars)";

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static string[] BuildHostileValues()
    {
        static string Quoted(string text) => JsonSerializer.Serialize(text);
        return
        [
            "0", "-1", "1.5", "1e309", "99999999999999999999999", "true", "null", "[]", "{}", "\"\"", "\"x\"",
            "\"\\u0000\"", "\"a\\u0000b\"", "\"\\ud800\"", "\"x\\udc00y\"", "\"\\u0001\\u0008\\u001b\\u007f\"", "\"\\u202e\\u2028\\ufeff\"",
            Quoted("{{ticket.number}}"), Quoted("../../etc/passwd"), Quoted("123:ABC/../x"), Quoted("<script>alert(1)</script>"),
            Quoted("' OR '1'='1"), Quoted("not-a-guid"), Quoted("00000000-0000-0000-0000-000000000000"), Quoted("9999-12-31T23:59:59Z"),
            Quoted("http://127.0.0.1:1/x"), Quoted("javascript:alert(1)"), Quoted("file:///etc/passwd"), Quoted("http://[::1]:1/"),
            Quoted("x@y"), Quoted("\U0001F600"), Quoted(new string('x', 5000)), Quoted(new string('y', 20_000)),
            "[" + string.Join(',', Enumerable.Repeat("0", 10_000)) + "]",
            "[" + string.Join(',', Enumerable.Repeat("\"x\"", 2000)) + "]",
            new string('[', 200) + new string(']', 200),
            string.Concat(Enumerable.Repeat("{\"a\":", 100)) + "1" + new string('}', 100),
            "[null]", "[{}]", "{\"a\":{\"b\":[1,{\"c\":null}]}}",
        ];
    }
}
