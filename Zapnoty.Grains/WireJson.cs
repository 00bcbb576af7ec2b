using System.Text.Json;
using System.Text.Json.Serialization;

namespace Zapnoty.Grains;

/// <summary>
/// The wire format of everything we send out — REST answers and webhook bodies: snake_case
/// names and enum values, no unknown fields accepted.
/// </summary>
public static class WireJson
{
    public static readonly JsonSerializerOptions Options = Configure(new JsonSerializerOptions());

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.DictionaryKeyPolicy = null;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        // A misspelt field ("stauts") is an error, not a silent no-op.
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        return options;
    }
}
