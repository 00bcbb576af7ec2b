using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;
using Zapnoty.Api.Problems;
using Zapnoty.Grains;
using Zapnoty.Grains.Cluster;

namespace Zapnoty.Api.Tickets;

/// <summary>Endpoint metadata: the route takes an <c>Idempotency-Key</c> header (<see cref="IdempotencyKeyHeader"/>).</summary>
public sealed record AcceptsIdempotencyKey;

/// <summary>
/// The <c>Idempotency-Key</c> request header (IETF draft httpapi-idempotency-key-header) on the
/// writes that create something: ticket creation, agent reply, customer reply. Runs after
/// routing, before the handler binds the body, on routes with <see cref="AcceptsIdempotencyKey"/>:
/// a key that is not 1–255 printable ASCII characters answers 400; a valid one gets the request's
/// fingerprint (SHA-256 of method, path and body), the body stays readable for binding. The
/// multipart reply, whose files stream into the store unbuffered, reads the key with
/// <see cref="ClientKey"/> and takes its fingerprint while it streams (<see cref="FormFingerprint"/>).
/// A request without a key gets one made up (<see cref="WriteKey.Generated"/>), so the API's own
/// retry of the grain call after a silo left is answered once as well.
/// </summary>
public sealed class IdempotencyKeyHeader(RequestDelegate next)
{
    public const string Name = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";
    public const int MaxLength = 255;

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<AcceptsIdempotencyKey>() is not null)
            context.Features.Set(await Read(context.Request));
        await next(context);
    }

    /// <summary>The key of this request: the client's, or one made up for it.</summary>
    public static WriteKey Of(HttpContext context) => context.Features.Get<WriteKey>() ?? WriteKey.Generated();

    private static async Task<WriteKey> Read(HttpRequest request) =>
        ClientKey(request) is { } key ? ForClient(key, await Fingerprint(request)) : WriteKey.Generated();

    /// <summary>The client's key, or null without one; a key that is not 1–255 printable ASCII characters answers 400.</summary>
    public static string? ClientKey(HttpRequest request)
    {
        var values = request.Headers[Name];
        if (values.Count == 0) return null;
        if (values.Count > 1 || values[0] is not { Length: > 0 and <= MaxLength } key || !key.All(c => c is >= ' ' and <= '~'))
            throw DomainException.Invalid(Name, $"{Name} must be one value of 1 to {MaxLength} printable ASCII characters, such as a UUID.");
        return key;
    }

    /// <summary>The client's key with its request's fingerprint; a fresh request id (a client's repeat is another request).</summary>
    public static WriteKey ForClient(string key, string fingerprint) => new(key, fingerprint, Guid.NewGuid(), FromClient: true);

    /// <summary>The start of every fingerprint: method and path, so one key cannot name writes to two routes or tickets.</summary>
    public static void AppendRequestLine(IncrementalHash hash, HttpRequest request) =>
        hash.AppendData(Encoding.UTF8.GetBytes($"{request.Method} {request.Path}\n"));

    private static async Task<string> Fingerprint(HttpRequest request)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        AppendRequestLine(hash, request);
        request.EnableBuffering();
        await Append(hash, request.Body, request.HttpContext.RequestAborted);
        request.Body.Position = 0;
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static async Task Append(IncrementalHash hash, Stream content, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0) hash.AppendData(buffer, 0, read);
    }

    /// <summary>
    /// The stored write a client's key already names, marking the answer as a replay; null when
    /// the key is new (or made up by the API). A key sent for another request answers 422.
    /// </summary>
    public static async Task<StoredKey?> Replay(HttpContext context, IdempotencyKeys keys, Guid projectId, WriteKey key, TimeProvider clock)
    {
        if (!key.FromClient || await keys.Find(projectId, key.Key, clock.GetUtcNow(), context.RequestAborted) is not { } stored) return null;
        IdempotencyKeys.RequireSameRequest(stored, key);
        context.Response.Headers[ReplayedHeader] = "true";
        return stored;
    }
}

public static class IdempotencyKeyEndpoints
{
    /// <summary>
    /// The route takes <c>Idempotency-Key</c>: 409 while a request with the key is still being
    /// processed, 422 when the key was sent with another request.
    /// </summary>
    public static TBuilder AcceptsIdempotencyKey<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AcceptsIdempotencyKey())
            .ProducesProblems(StatusCodes.Status409Conflict, StatusCodes.Status422UnprocessableEntity);
}

/// <summary>Documents the <c>Idempotency-Key</c> parameter and the <c>Idempotent-Replayed</c> answer header.</summary>
public sealed class IdempotencyKeyDocument : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (!context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<AcceptsIdempotencyKey>().Any()) return;
        operation.Parameters ??= [];
        operation.Parameters.Add(new OpenApiParameter
        {
            Name = IdempotencyKeyHeader.Name,
            In = ParameterLocation.Header,
            Required = false,
            Description = "Makes the write safe to repeat: 1–255 printable ASCII characters (a UUID is a good key), unique per project, " +
                "remembered for 24 hours. A repeat with the same key and body answers the first result with Idempotent-Replayed: true " +
                "and writes nothing; with another body, 422; while the first is still being processed, 409.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = IdempotencyKeyHeader.MaxLength },
        });
        if (operation.Responses?.TryGetValue("201", out var created) == true && created is OpenApiResponse answer)
        {
            answer.Headers ??= new Dictionary<string, IOpenApiHeader>();
            answer.Headers.TryAdd(IdempotencyKeyHeader.ReplayedHeader, new OpenApiHeader
            {
                Description = "true when this answer repeats the stored result of an earlier request with the same Idempotency-Key.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [System.Text.Json.Nodes.JsonValue.Create("true")] },
            });
        }
    }
}
