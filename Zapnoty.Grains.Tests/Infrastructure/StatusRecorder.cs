using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;

namespace Zapnoty.Grains.Tests.Infrastructure;

/// <summary>
/// Records every (method, route pattern, status) the test silos' API answers, one line each
/// (first time only) in the file named by <see cref="Variable"/>; scripts/status-coverage.sh
/// checks after a full run that each one is in the served OpenAPI document
/// (<see cref="DocumentFile"/>, written next to it). Off when the variable is not set.
/// </summary>
public static class StatusRecorder
{
    public const string Variable = "ZAPNOTY_STATUS_LOG";

    private static readonly string? LogFile = Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } path ? path : null;
    private static readonly ConcurrentDictionary<string, bool> Seen = new();
    private static readonly Lock FileLock = new();
    private static int _documentWritten;

    public static bool Enabled => LogFile is not null;

    /// <summary>Where the served document goes: <c>openapi.served.json</c> beside the log.</summary>
    public static string? DocumentFile => LogFile is null ? null : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(LogFile))!, "openapi.served.json");

    /// <summary>Outermost, so it sees the final status, including the problems the exception handler writes.</summary>
    public static IApplicationBuilder UseStatusRecorder(this IApplicationBuilder app)
    {
        if (!Enabled) return app;
        return app.Use(async (context, next) =>
        {
            // The exception handler clears the endpoint before it answers; this feature keeps what routing chose.
            var endpoint = new RememberedEndpoint();
            context.Features.Set<IEndpointFeature>(endpoint);
            try
            {
                await next(context);
            }
            finally
            {
                Record(context, endpoint.First as RouteEndpoint);
            }
        });
    }

    /// <summary>Saves the document the API serves, once per run, for the check to compare with.</summary>
    public static async Task SaveServedDocument(HttpClient api)
    {
        if (DocumentFile is null || Interlocked.Exchange(ref _documentWritten, 1) == 1) return;
        var document = await api.GetStringAsync("/swagger/v1/swagger.json");
        Directory.CreateDirectory(Path.GetDirectoryName(DocumentFile)!);
        await File.WriteAllTextAsync(DocumentFile, document);
    }

    private static void Record(HttpContext context, RouteEndpoint? endpoint)
    {
        var status = context.Response.StatusCode;
        // 499 is what the server notes when the client went away first (a dashboard navigating or
        // refetching on a live event cancels its request): no answer reached anyone.
        if (status == StatusCodes.Status499ClientClosedRequest && context.RequestAborted.IsCancellationRequested) return;
        var method = context.Request.Method;
        // Answers before routing (no endpoint) only matter when they are faults; 405 is routing's
        // answer for a method no operation has (its endpoint is no RouteEndpoint).
        string route;
        if (endpoint?.RoutePattern.RawText is { } pattern
            && endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Contains(method) != false)
            route = pattern;
        else if (status >= 500)
            route = "(no route) " + context.Request.Path;
        else
            return;

        var line = $"{method}\t{route}\t{status}";
        if (!Seen.TryAdd(line, true)) return;
        lock (FileLock)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(LogFile!))!);
            File.AppendAllText(LogFile!, line + "\n");
        }
    }

    private sealed class RememberedEndpoint : IEndpointFeature
    {
        private Endpoint? _endpoint;

        public Endpoint? First { get; private set; }

        public Endpoint? Endpoint
        {
            get => _endpoint;
            set
            {
                _endpoint = value;
                First ??= value;
            }
        }
    }
}
