using System.Reflection;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Zapnoty.Api.OpenApi;

/// <summary>
/// A body declared as <c>Dictionary&lt;string, string?&gt;</c> takes null values (PATCH bot texts:
/// null returns a text to its default); the generator reads only the outer type's nullability.
/// </summary>
public sealed class NullableDictionaryValues : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        foreach (var parameter in context.ApiDescription.ParameterDescriptions)
        {
            if (parameter.Source != BindingSource.Body || parameter.ParameterDescriptor is not IParameterInfoParameterDescriptor { ParameterInfo: var info })
                continue;
            if (!IsDictionary(info.ParameterType)) continue;
            if (new NullabilityInfoContext().Create(info).GenericTypeArguments is not [_, { ReadState: NullabilityState.Nullable }]) continue;
            foreach (var media in operation.RequestBody?.Content?.Values ?? Enumerable.Empty<IOpenApiMediaType>())
                if (media.Schema is OpenApiSchema { AdditionalProperties: OpenApiSchema values })
                    values.Type |= JsonSchemaType.Null;
        }
    }

    private static bool IsDictionary(Type type) =>
        type.IsGenericType && type.GetGenericArguments().Length == 2
        && type.GetInterfaces().Append(type).Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>));
}
