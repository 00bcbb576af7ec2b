using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Zapnoty.Api.OpenApi;

/// <summary>
/// Declares every parameter of the route pattern, also those the handler does not bind (a group's
/// <c>{projectId}</c> on a route that needs only the caller's access): OpenAPI requires each
/// <c>{name}</c> of a path to be declared. Typed from the route constraint (<c>{id:guid}</c> is a uuid).
/// </summary>
public sealed class RouteParameters : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var template = context.ApiDescription.ActionDescriptor.AttributeRouteInfo?.Template ?? context.ApiDescription.RelativePath;
        if (template is null) return;
        operation.Parameters ??= [];
        foreach (var parameter in RoutePatternFactory.Parse(template).Parameters)
        {
            if (operation.Parameters.Any(p => p.In == ParameterLocation.Path && string.Equals(p.Name, parameter.Name, StringComparison.OrdinalIgnoreCase)))
                continue;
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = parameter.Name,
                In = ParameterLocation.Path,
                Required = true,
                Schema = SchemaOf(parameter),
            });
        }
    }

    private static OpenApiSchema SchemaOf(RoutePatternParameterPart parameter) =>
        parameter.ParameterPolicies.Select(p => p.Content).FirstOrDefault() switch
        {
            "guid" => new OpenApiSchema { Type = JsonSchemaType.String, Format = "uuid" },
            "int" => new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" },
            "long" => new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64" },
            _ => new OpenApiSchema { Type = JsonSchemaType.String },
        };
}
