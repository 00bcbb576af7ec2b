using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Zapnoty.Grains.Tests.Contract;

/// <summary>
/// The committed form of the OpenAPI document (<c>docs/openapi.json</c>): object keys sorted
/// ordinally at every depth, two-space indentation, <c>\n</c> line ends, readable non-ASCII, a
/// final newline. Arrays keep their order (parameters, enums and <c>required</c> mean it), so
/// the same contract always gives the same bytes and a change shows as a small diff.
/// </summary>
public static class ContractSnapshot
{
    private static readonly JsonWriterOptions Writing = new()
    {
        Indented = true,
        IndentSize = 2,
        NewLine = "\n",
        // Descriptions hold dashes and quotes: keep them as written, not as \u2013.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Canonical(JsonNode document)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, Writing))
            Sorted(document)!.WriteTo(writer);
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Sorted).ToArray()),
        null => null,
        _ => node.DeepClone(),
    };
}
