using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Zapnoty.Api.Http;

/// <summary>
/// Browser hardening on every answer: no framing (clickjacking of the dashboard's confirm
/// dialogs), no MIME sniffing, no referrer, and a Content-Security-Policy per kind of answer.
/// An answer that set its own policy (attachment downloads) keeps it. HSTS belongs to the TLS
/// edge (see docs/OPERATIONS.md), since the silo itself speaks plain HTTP behind it.
/// </summary>
public static class SecurityHeaders
{
    /// <summary>
    /// The dashboard: its own scripts, styles and API only. Images also from <c>blob:</c>
    /// (attachment previews) and <c>data:</c> (the QR code of a bot's link, drawn as an image).
    /// </summary>
    public const string DashboardPolicy =
        "default-src 'self'; img-src 'self' blob: data:; frame-ancestors 'none'; object-src 'none'; base-uri 'none'; form-action 'self'";

    /// <summary>
    /// The operators' tools, Swagger UI (off in production) and the Orleans Dashboard (on its
    /// internal port): they style widgets inline and use data: icons and fonts. Still no inline script.
    /// </summary>
    public const string ToolPolicy =
        "default-src 'self'; img-src 'self' data:; font-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; object-src 'none'; base-uri 'none'";

    /// <summary>JSON and problem answers are never a document a browser should render or load anything for.</summary>
    public const string ApiPolicy = "default-src 'none'; frame-ancestors 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            // At the start of the answer, so error pages and the exception handler (which clears
            // headers) get them too.
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                if (!headers.ContainsKey(HeaderNames.ContentSecurityPolicy))
                    headers.ContentSecurityPolicy = PolicyFor(context.Request.Path, context.Response.ContentType);
                headers.XFrameOptions = "DENY";
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                return Task.CompletedTask;
            });
            return next(context);
        });

    private static string PolicyFor(PathString path, string? contentType) =>
        path.StartsWithSegments("/swagger") || path.StartsWithSegments("/orleans") ? ToolPolicy
        : contentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true || path.StartsWithSegments("/assets") ? DashboardPolicy
        : ApiPolicy;
}
