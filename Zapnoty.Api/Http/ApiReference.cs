using Microsoft.AspNetCore.Builder;

namespace Zapnoty.Api.Http;

/// <summary>
/// The API reference page for integrators: Swashbuckle's embedded Swagger UI at /swagger over the
/// published document. Every file it loads is served from this assembly's dependencies, so it
/// runs under <see cref="SecurityHeaders.ToolPolicy"/> (same origin only, no inline script).
/// </summary>
public static class ApiReference
{
    public const string DocumentPath = "/swagger/v1/swagger.json";

    /// <summary>
    /// A schema's name in the document: its full name without <c>Zapnoty.</c>, and for a generic
    /// type its arguments after <c>Of</c> (<c>Api.PageOfGrains.Tickets.TicketDto</c>). Swashbuckle's
    /// default for generics holds the assembly's version, which changes between builds, and
    /// characters an OpenAPI component name may not have.
    /// </summary>
    public static string SchemaId(Type type)
    {
        var name = (type.IsGenericType ? type.GetGenericTypeDefinition() : type).FullName!.Replace("Zapnoty.", "").Replace('+', '.');
        return type.IsGenericType
            ? name[..name.IndexOf('`')] + "Of" + string.Join("And", type.GetGenericArguments().Select(SchemaId))
            : name;
    }

    public static IApplicationBuilder UseApiReference(this IApplicationBuilder app) =>
        app.UseSwaggerUI(o =>
        {
            o.SwaggerEndpoint(DocumentPath, "Zapnoty Helpdesk API v1");
            o.DocumentTitle = "Zapnoty Helpdesk API reference";
            // No validatorUrl: Swashbuckle then keeps swagger-ui's online validator (a badge fetched
            // from swagger.io) off, so the page asks no other site about the contract.
            o.EnableDeepLinking();
            o.DisplayRequestDuration();
        });
}
