using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace Zapnoty.Api.Problems;

/// <summary>
/// Refuses, with a problem answer, requests no route can serve and the framework would refuse
/// without one or fail on: a URL longer than <see cref="MaxUrlLength"/> (414; Kestrel itself
/// only stops at <see cref="KestrelRequestLineLimit"/>, with an empty answer), U+0000 in a
/// query value (PostgreSQL cannot store it in <c>text</c>), and a body in a charset .NET does
/// not know (the JSON reader would throw a plain exception: a 500).
/// </summary>
public sealed class RequestRules(RequestDelegate next, IProblemDetailsService problems)
{
    /// <summary>Our limit on path and query: Kestrel's old default, far above any URL the API builds.</summary>
    public const int MaxUrlLength = 8 * 1024;

    /// <summary>
    /// Kestrel's own request-line limit, raised above ours so that the 414 is ours (with a body);
    /// beyond it Kestrel closes the connection with an empty 414 before any of our code runs.
    /// </summary>
    public const int KestrelRequestLineLimit = 64 * 1024;

    public async Task InvokeAsync(HttpContext context)
    {
        var problem = Refusal(context.Request);
        if (problem is null)
        {
            await next(context);
            return;
        }
        context.Response.StatusCode = problem.Status!.Value;
        await problems.WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem });
    }

    private static ProblemDetails? Refusal(HttpRequest request)
    {
        var length = request.Path.Value?.Length + request.PathBase.Value?.Length + request.QueryString.Value?.Length ?? 0;
        if (length > MaxUrlLength)
            return new ProblemDetails
            {
                Status = StatusCodes.Status414UriTooLong,
                Title = Titles.For(414),
                Detail = $"The URL is {length} characters long; the limit is {MaxUrlLength}. Send long values in a request body.",
            };

        foreach (var (name, values) in request.Query)
            if (name.Contains('\0') || values.Any(v => v?.Contains('\0') == true))
                return Validation.Problem(name.Replace("\0", ""), $"The query parameter {name.Replace("\0", "")} contains the character U+0000, which is not allowed.");

        if (request.ContentType is { } contentType && MediaTypeHeaderValue.TryParse(contentType, out var media)
            && media.Charset.HasValue && !KnownCharset(media.Charset.Value!))
            return new ProblemDetails
            {
                Status = StatusCodes.Status415UnsupportedMediaType,
                Title = Titles.For(415),
                Detail = $"The charset '{media.Charset.Value}' is unknown; send the body as UTF-8 JSON ('Content-Type: application/json').",
            };
        return null;
    }

    private static bool KnownCharset(string charset)
    {
        try
        {
            Encoding.GetEncoding(charset.Trim('"'));
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
