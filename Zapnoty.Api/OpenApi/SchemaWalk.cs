using Microsoft.OpenApi;

namespace Zapnoty.Api.OpenApi;

/// <summary>The component schemas a schema refers to, transitively.</summary>
public static class SchemaWalk
{
    public static void Collect(IOpenApiSchema? schema, IDictionary<string, IOpenApiSchema> components, HashSet<string> found)
    {
        switch (schema)
        {
            case null:
                return;
            case OpenApiSchemaReference reference:
                if (reference.Reference.Id is { } id && found.Add(id) && components.TryGetValue(id, out var target))
                    Collect(target, components, found);
                return;
        }
        foreach (var property in schema.Properties?.Values ?? [])
            Collect(property, components, found);
        Collect(schema.Items, components, found);
        Collect(schema.AdditionalProperties, components, found);
        foreach (var part in (schema.AllOf ?? []).Concat(schema.OneOf ?? []).Concat(schema.AnyOf ?? []))
            Collect(part, components, found);
    }
}
