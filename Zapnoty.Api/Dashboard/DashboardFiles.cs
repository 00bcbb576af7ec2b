using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;

namespace Zapnoty.Api.Dashboard;

/// <summary>
/// Serves the built dashboard (a static single-page app, a client of /v1) at <c>/</c>: its
/// index.html and its Vite-hashed files. Only files that exist are answered and only <c>/</c>
/// falls back to index.html (the app routes by hash), so /v1, /health, /metrics and /swagger
/// are never shadowed.
/// </summary>
public static class DashboardFiles
{
    public const string PathKey = "Zapnoty:Dashboard:Path";

    /// <summary>The folder holding the built dashboard: <c>Zapnoty:Dashboard:Path</c>, else <c>dashboard/</c> next to the binaries.</summary>
    public static string Folder(IConfiguration configuration) =>
        configuration[PathKey] is { Length: > 0 } path ? Path.GetFullPath(path) : Path.Combine(AppContext.BaseDirectory, "dashboard");

    public static IApplicationBuilder UseZapnotyDashboard(this IApplicationBuilder app)
    {
        var folder = Folder(app.ApplicationServices.GetRequiredService<IConfiguration>());
        if (!File.Exists(Path.Combine(folder, "index.html"))) return app;
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new PhysicalFileProvider(folder),
            ContentTypeProvider = new FileExtensionContentTypeProvider(),
            OnPrepareResponse = context => context.Context.Response.Headers.CacheControl = CacheControlOf(context.Context.Request.Path),
        });
        return app;
    }

    /// <summary><c>GET /</c>: the app's index.html, or a short note when the dashboard was not built.</summary>
    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder endpoints)
    {
        var folder = Folder(endpoints.ServiceProvider.GetRequiredService<IConfiguration>());
        var index = Path.Combine(folder, "index.html");
        endpoints.MapGet("/", (HttpContext http) =>
        {
            if (!File.Exists(index))
                return Results.Text($"Zapnoty Helpdesk: the dashboard is not built here (no {index}). Run `npm ci && npm run build` in dashboard/ or set {PathKey}. The API is under /v1, Swagger UI at /swagger.\n");
            http.Response.Headers.CacheControl = "no-cache";
            return Results.File(index, "text/html; charset=utf-8");
        }).ExcludeFromDescription();
        return endpoints;
    }

    // Vite puts content-hashed files under assets/: a new build has new names, so they never change.
    private static string CacheControlOf(PathString path) =>
        path.StartsWithSegments("/assets") ? "public, max-age=31536000, immutable" : "no-cache";
}
