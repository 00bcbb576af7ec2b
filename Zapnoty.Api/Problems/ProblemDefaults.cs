using Microsoft.AspNetCore.Http;

namespace Zapnoty.Api.Problems;

/// <summary>
/// Gives every problem answer a title and a detail a person can act on, including the ones
/// the framework writes without an exception (415 wrong content type, 413 body too large,
/// 404 unknown route, 405 wrong method).
/// </summary>
public static class ProblemDefaults
{
    public static void Complete(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        var status = problem.Status ?? context.HttpContext.Response.StatusCode;
        if (string.IsNullOrEmpty(problem.Title) || problem.Title == DefaultTitle(status)) problem.Title = Titles.For(status);
        if (string.IsNullOrEmpty(problem.Detail)) problem.Detail = DetailFor(status, context.HttpContext.Request);
    }

    private static string? DefaultTitle(int status) => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status);

    // The route's own limit when it has one (a messenger's webhook takes more than the API's 64 KB).
    private static long BodyLimit(HttpRequest request) =>
        request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize
        ?? ZapnotyApi.MaxRequestBodyBytes;

    private static string DetailFor(int status, HttpRequest request) => status switch
    {
        StatusCodes.Status400BadRequest => "The request could not be read.",
        StatusCodes.Status401Unauthorized => "Send a session token or project API key as 'Authorization: Bearer <token>'.",
        StatusCodes.Status404NotFound => $"There is no route {request.Method} {request.Path}.",
        StatusCodes.Status405MethodNotAllowed => $"{request.Path} does not accept {request.Method}.",
        StatusCodes.Status413PayloadTooLarge => $"The request body is larger than {BodyLimit(request) / 1024} KB.",
        StatusCodes.Status415UnsupportedMediaType => "Send the body as JSON with 'Content-Type: application/json'.",
        _ => Titles.For(status) + ".",
    };
}
