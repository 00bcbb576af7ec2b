using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Zapnoty.Api.RateLimiting;

/// <summary>Publishes the limits in the OpenAPI document: in its description, and a 429 answer on every operation.</summary>
public sealed class RateLimitsDocument(IOptions<RateLimitOptions> options) : IOperationFilter, IDocumentFilter
{
    public void Apply(OpenApiDocument document, DocumentFilterContext context)
    {
        if (!options.Value.Enabled || document.Info is null) return;
        // A copy: Swashbuckle hands every generation the same configured info, so appending to it
        // grew the description by one paragraph per request for the document.
        document.Info = new OpenApiInfo(document.Info) { Description = $"{document.Info.Description}\n\n{RateLimits.Published(options.Value)}" };
    }

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (!options.Value.Enabled) return;
        operation.Responses ??= new OpenApiResponses();
        if (operation.Responses.ContainsKey("429")) return;
        operation.Responses["429"] = new OpenApiResponse
        {
            Description = "Too many requests: the caller's budget is spent (see the rate limits in the API description).",
            Headers = new Dictionary<string, IOpenApiHeader>
            {
                ["Retry-After"] = Header("Seconds until a request may succeed again."),
                ["RateLimit-Limit"] = Header("Requests a minute the caller's budget allows."),
                ["RateLimit-Remaining"] = Header("Requests left in the budget."),
                ["RateLimit-Reset"] = Header("Seconds until the budget is whole again."),
            },
            Content = new Dictionary<string, IOpenApiMediaType>
            {
                ["application/problem+json"] = new OpenApiMediaType { Schema = context.SchemaGenerator.GenerateSchema(typeof(ProblemDetails), context.SchemaRepository) },
            },
        };
    }

    private static OpenApiHeader Header(string description) =>
        new() { Description = description, Schema = new OpenApiSchema { Type = JsonSchemaType.Integer } };
}
