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

    public static IApplicationBuilder UseApiReference(this IApplicationBuilder app) =>
        app.UseSwaggerUI(o =>
        {
            o.SwaggerEndpoint(DocumentPath, "Zapnoty Helpdesk API v1");
            o.DocumentTitle = "Zapnoty Helpdesk API reference";
            // No badge from swagger.io's online validator: the page asks no other site about our contract.
            o.ConfigObject.ValidatorUrl = null;
            o.EnableDeepLinking();
            o.DisplayRequestDuration();
        });
}
