using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Zapnoty.Api;

/// <summary>
/// Endpoint metadata: query parameter <see cref="Name"/> still works but is on its way out, so the
/// OpenAPI document marks it <c>deprecated</c> (C# cannot put [Obsolete] on a handler's parameter).
/// </summary>
public sealed record DeprecatedQuery(string Name);

/// <summary>Marks the parameters named by the endpoint's <see cref="DeprecatedQuery"/> metadata as deprecated.</summary>
public sealed class DeprecatedQueryDocument : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var names = context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<DeprecatedQuery>().Select(d => d.Name).ToHashSet();
        if (names.Count == 0 || operation.Parameters is null) return;
        foreach (var parameter in operation.Parameters.OfType<OpenApiParameter>())
            if (parameter.In == ParameterLocation.Query && names.Contains(parameter.Name!)) parameter.Deprecated = true;
    }
}
