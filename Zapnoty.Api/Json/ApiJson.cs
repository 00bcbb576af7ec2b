using System.Text.Json;
using Zapnoty.Grains;

namespace Zapnoty.Api.Json;

/// <summary>The wire format of the public API, shared with webhook bodies (<see cref="WireJson"/>).</summary>
public static class ApiJson
{
    public static void Configure(JsonSerializerOptions options)
    {
        WireJson.Configure(options);
        // Only on the API's own options: webhook bodies and stored JSON keep WireJson as it is.
        options.Converters.Add(new StrictStringConverter());
    }
}
