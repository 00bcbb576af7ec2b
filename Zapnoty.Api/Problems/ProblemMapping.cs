using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Zapnoty.Grains;

namespace Zapnoty.Api.Problems;

/// <summary>
/// Turns the exceptions we mean into RFC 9457 answers: refusals from grains, unreadable
/// requests (malformed JSON, wrong types, unknown enum values, bad path values, oversize
/// bodies). Anything else is a fault: logged, and answered 500 without internals.
/// </summary>
public sealed class ProblemMapping(IProblemDetailsService problems, ILogger<ProblemMapping> log) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var problem = exception switch
        {
            DomainException e => FromDomain(e),
            ValidationFailed e => e.Problem,
            BadHttpRequestException e => FromBadRequest(e),
            OrleansMessageRejectionException or SiloUnavailableException or Grains.Cluster.InterruptedCallException => Unavailable(context, exception),
            _ => null,
        };
        if (problem is null)
        {
            log.LogError(exception, "Unhandled fault on {Method} {Path}", context.Request.Method, context.Request.Path);
            problem = new ProblemDetails { Status = StatusCodes.Status500InternalServerError, Title = "Internal error", Detail = "The server failed to handle the request; it was logged." };
        }

        context.Response.StatusCode = problem.Status!.Value;
        if (exception is DomainException { RetryAfter: { } retryAfter })
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
    }

    /// <summary>
    /// A grain call that could not reach the silo holding the grain: that silo just died and
    /// the cluster has not declared it dead yet (seconds). Not a fault of ours to log as an
    /// error, and worth retrying, so 503 with Retry-After rather than 500.
    /// </summary>
    private ProblemDetails Unavailable(HttpContext context, Exception exception)
    {
        log.LogWarning("{Method} {Path}: a silo is unreachable, answered 503: {Reason}", context.Request.Method, context.Request.Path, exception.Message);
        context.Response.Headers.RetryAfter = "1";
        return new ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable,
            Title = Titles.For(503),
            Detail = "Part of the cluster is unreachable for a moment (a server is restarting); retry in a second.",
        };
    }

    private static ProblemDetails FromDomain(DomainException e)
    {
        var status = e.Kind switch
        {
            DomainErrorKind.Invalid => StatusCodes.Status400BadRequest,
            DomainErrorKind.NotFound => StatusCodes.Status404NotFound,
            DomainErrorKind.Conflict => StatusCodes.Status409Conflict,
            DomainErrorKind.Gone => StatusCodes.Status410Gone,
            DomainErrorKind.PaymentRequired => StatusCodes.Status402PaymentRequired,
            DomainErrorKind.Forbidden => StatusCodes.Status403Forbidden,
            DomainErrorKind.TooManyRequests => StatusCodes.Status429TooManyRequests,
            DomainErrorKind.Unprocessable => StatusCodes.Status422UnprocessableEntity,
            _ => StatusCodes.Status400BadRequest,
        };
        var problem = e.Kind == DomainErrorKind.Invalid && e.Field is not null
            ? Validation.Problem(e.Field, e.Message)
            : new ProblemDetails { Status = status, Title = Titles.For(status), Detail = e.Message };
        if (e.NewerMessages is { } newer) problem.Extensions["newer_messages"] = newer.Select(Grains.Tickets.MessageDto.From).ToList();
        return problem;
    }

    private static ProblemDetails FromBadRequest(BadHttpRequestException e)
    {
        if (e.InnerException is JsonException json)
        {
            var field = FieldOf(json.Path);
            var message = json.Message.Split(" Path:", 2)[0];
            return field is null
                ? new ProblemDetails { Status = 400, Title = Titles.For(400), Detail = "The request body is not valid JSON: " + message }
                : Validation.Problem(field, message);
        }
        var status = e.StatusCode == StatusCodes.Status413PayloadTooLarge ? 413 : 400;
        // A 413's detail names the route's own limit (ProblemDefaults), which differs on the bot webhooks.
        var detail = status == 413 ? null : e.Message;
        return new ProblemDetails { Status = status, Title = Titles.For(status), Detail = detail };
    }

    /// <summary>"$.customer.external_id" → "customer.external_id"; null for the body as a whole.</summary>
    private static string? FieldOf(string? jsonPath)
    {
        if (string.IsNullOrEmpty(jsonPath) || jsonPath == "$") return null;
        return jsonPath.StartsWith("$.", StringComparison.Ordinal) ? jsonPath[2..] : jsonPath.TrimStart('$');
    }
}

public static class Titles
{
    public static string For(int status) => status switch
    {
        400 => "Invalid request",
        401 => "Not authenticated",
        402 => "Out of credits",
        403 => "Forbidden",
        404 => "Not found",
        405 => "Method not allowed",
        409 => "Conflict",
        410 => "Gone",
        413 => "Request too large",
        414 => "URL too long",
        415 => "Unsupported media type",
        422 => "Cannot be processed",
        429 => "Too many requests",
        502 => "Bad gateway",
        503 => "Service unavailable",
        _ => "Error",
    };
}
