using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Zapnoty.Api.Live;

/// <summary>
/// Problems for clients that accept only <c>text/event-stream</c> (a browser's EventSource): the
/// framework's writer refuses them (no JSON in Accept), which turned a 401 or 404 of the event
/// stream into a 500 or an empty body. They get the problem document all the same.
/// </summary>
public sealed class EventStreamProblems(IOptions<ProblemDetailsOptions> problemOptions, IOptions<JsonOptions> jsonOptions) : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) =>
        context.HttpContext.Request.Headers.Accept.Any(value => value is not null && value.Split(',').Any(part =>
            MediaTypeHeaderValue.TryParse(part, out var media) && media.MediaType == "text/event-stream"));

    public async ValueTask WriteAsync(ProblemDetailsContext context)
    {
        problemOptions.Value.CustomizeProblemDetails?.Invoke(context);
        await context.HttpContext.Response.WriteAsJsonAsync(context.ProblemDetails, context.ProblemDetails.GetType(),
            jsonOptions.Value.SerializerOptions, "application/problem+json");
    }
}
