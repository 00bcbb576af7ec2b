using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Zapnoty.Api.Problems;

/// <summary>
/// Documents the <c>Retry-After</c> header (seconds) on every 503 and 429 answer an operation
/// declares: a 503 comes from a silo that is restarting, a 429 from a budget; both say when to retry.
/// </summary>
public sealed class RetryAfterDocument : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (operation.Responses is null) return;
        foreach (var status in new[] { "503", "429" })
        {
            if (!operation.Responses.TryGetValue(status, out var response) || response is not OpenApiResponse answer) continue;
            answer.Headers ??= new Dictionary<string, IOpenApiHeader>();
            answer.Headers.TryAdd("Retry-After", new OpenApiHeader
            {
                Description = "Seconds until a new attempt may succeed.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.Integer },
            });
        }
    }
}
