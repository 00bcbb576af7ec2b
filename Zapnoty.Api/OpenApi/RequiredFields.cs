using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Zapnoty.Api.OpenApi;

/// <summary>
/// Which properties a schema marks <c>required</c>. An answer always carries every property
/// (WireJson writes nulls rather than omitting them), so in schemas the API answers with, all are
/// required, except what the serializer is told to leave out (ProblemDetails' empty fields). A
/// schema that a request body takes keeps only its non-nullable reference fields required: a
/// PATCH sends only what changes, and absent numbers and flags take their defaults.
/// Registered as one instance for both roles: the schema pass records each type's request rule,
/// the document pass applies it to the schemas that request bodies reach.
/// </summary>
public sealed class RequiredFields : ISchemaFilter, IDocumentFilter
{
    private readonly ConcurrentDictionary<Type, string[]> _asRequest = new();

    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (schema is not OpenApiSchema { Properties.Count: > 0 } concrete) return;
        _asRequest[context.Type] = concrete.Required?.ToArray() ?? [];
        var omitted = MayBeOmitted(context.Type);
        concrete.Required = new HashSet<string>(concrete.Properties.Keys.Where(name => !omitted.Contains(name)));
    }

    public void Apply(OpenApiDocument document, DocumentFilterContext context)
    {
        var schemas = document.Components?.Schemas;
        if (schemas is null) return;
        var requested = new HashSet<string>();
        foreach (var path in document.Paths?.Values ?? Enumerable.Empty<IOpenApiPathItem>())
            foreach (var operation in path.Operations?.Values ?? Enumerable.Empty<OpenApiOperation>())
                foreach (var media in operation.RequestBody?.Content?.Values ?? Enumerable.Empty<IOpenApiMediaType>())
                    SchemaWalk.Collect(media.Schema, schemas, requested);
        foreach (var (type, required) in _asRequest)
            if (context.SchemaRepository.TryLookupByType(type, out var reference) && reference.Reference.Id is { } id
                && requested.Contains(id) && schemas.TryGetValue(id, out var found) && found is OpenApiSchema schema)
                schema.Required = new HashSet<string>(required);
    }

    /// <summary>Wire names of the properties the serializer skips when null or default.</summary>
    private static HashSet<string> MayBeOmitted(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetCustomAttribute<JsonIgnoreAttribute>() is { Condition: not JsonIgnoreCondition.Never })
            .Select(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name))
            .ToHashSet();
}
