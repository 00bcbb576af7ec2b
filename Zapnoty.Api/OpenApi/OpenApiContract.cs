using Microsoft.Extensions.DependencyInjection;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Zapnoty.Api.OpenApi;

/// <summary>
/// Makes the OpenAPI document say what the JSON really is, so clients generated from it need no
/// guards: which fields are always there, which may be null, every path parameter, the fixed
/// vocabularies, and schema ids that do not change with the assembly version.
/// </summary>
public static class OpenApiContract
{
    public static void Configure(SwaggerGenOptions options)
    {
        // C#'s nullable annotations decide what may be null (`string?`), not the CLR (every string).
        options.SupportNonNullableReferenceTypes();
        // A request's non-nullable reference fields are required; RequiredFields answers the rest.
        options.NonNullableReferenceTypesAsRequired();
        // OpenAPI 3.0 ignores `nullable` next to a bare $ref; wrapped in allOf it is read (Ticket.assignee may be null).
        options.UseAllOfToExtendReferenceSchemas();
        options.CustomSchemaIds(SchemaIds.Of);
        var required = new RequiredFields();
        options.AddSchemaFilterInstance(required);
        options.AddDocumentFilterInstance(required);
        options.SchemaFilter<Vocabularies>();
        options.OperationFilter<RouteParameters>();
        options.OperationFilter<NullableDictionaryValues>();
    }
}
