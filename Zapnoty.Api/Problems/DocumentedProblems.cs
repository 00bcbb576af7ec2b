using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Zapnoty.Api.Problems;

/// <summary>
/// Puts the problems a route can answer into its endpoint metadata, so the OpenAPI document lists
/// them with the problem-details schema. A handler's own failures are in its signature
/// (<c>Results&lt;..., ProblemHttpResult&gt;</c>) or declared where it is mapped with
/// <see cref="ProducesProblems{TBuilder}"/> (the refusals its grain call raises, answered by
/// <see cref="ProblemMapping"/>); the refusals of shared machinery are declared here once, by
/// <see cref="WithSharedProblems{TBuilder}"/>, on the endpoints that machinery really runs for.
/// </summary>
public static class DocumentedProblems
{
    public const string ProblemJson = "application/problem+json";

    /// <summary>
    /// Declares problem answers of the given statuses (400 with the field errors of a validation
    /// problem), for refusals the handler's grain call raises as <see cref="Grains.DomainException"/>.
    /// </summary>
    public static TBuilder ProducesProblems<TBuilder>(this TBuilder builder, params int[] statuses) where TBuilder : IEndpointConventionBuilder
    {
        builder.Add(endpoint =>
        {
            foreach (var status in statuses) Declare(endpoint, status);
        });
        return builder;
    }

    /// <summary>
    /// On every endpoint of the group, after its own conventions: what the pipeline answers before
    /// or around the handler. Every route: 414 (RequestRules' URL limit) and 503 with Retry-After
    /// (a grain's silo unreachable; every route calls a grain). Routes that read a body: 400
    /// (unreadable JSON), 413 (body limit), 415 (not JSON, unknown charset). Routes with query
    /// parameters: 400 (a value that does not bind, U+0000). 429 is the rate limiter's, published
    /// by <see cref="RateLimiting.RateLimitsDocument"/>; 401/403/404 of authentication and the
    /// access filter by <see cref="Access.ProjectAccessEndpoints.WithProjectAccess{TBuilder}"/>.
    /// </summary>
    public static TBuilder WithSharedProblems<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.Finally(endpoint =>
        {
            Declare(endpoint, StatusCodes.Status414UriTooLong);
            Declare(endpoint, StatusCodes.Status503ServiceUnavailable);
            var readsBody = endpoint.Metadata.OfType<IAcceptsMetadata>().Any() || endpoint.Metadata.OfType<IRequestSizeLimitMetadata>().Any();
            if (readsBody)
            {
                Declare(endpoint, StatusCodes.Status413PayloadTooLarge);
                Declare(endpoint, StatusCodes.Status415UnsupportedMediaType);
            }
            if (readsBody || TakesQuery(endpoint)) Declare(endpoint, StatusCodes.Status400BadRequest);
        });
        return builder;
    }

    /// <summary>Adds a problem answer for <paramref name="status"/> unless the endpoint already declares one.</summary>
    public static void Declare(EndpointBuilder endpoint, int status)
    {
        if (endpoint.Metadata.OfType<IProducesResponseTypeMetadata>().Any(m => m.StatusCode == status)) return;
        var type = status == StatusCodes.Status400BadRequest ? typeof(HttpValidationProblemDetails) : typeof(ProblemDetails);
        endpoint.Metadata.Add(new ProducesResponseTypeMetadata(status, type, [ProblemJson]));
    }

    /// <summary>
    /// Whether the handler binds anything from the query string: <c>[FromQuery]</c>, an
    /// <c>[AsParameters]</c> record, or a plain value that is no route value.
    /// </summary>
    private static bool TakesQuery(EndpointBuilder endpoint)
    {
        if (endpoint.Metadata.OfType<MethodInfo>().FirstOrDefault() is not { } handler) return false;
        var route = (endpoint as RouteEndpointBuilder)?.RoutePattern;
        return handler.GetParameters().Any(p =>
            p.GetCustomAttribute<FromQueryAttribute>() is not null
            || p.GetCustomAttribute<AsParametersAttribute>() is not null
            || IsPlainValue(p.ParameterType) && p.GetCustomAttribute<FromRouteAttribute>() is null && route?.GetParameter(p.Name!) is null);
    }

    private static bool IsPlainValue(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(Guid) || type == typeof(DateTimeOffset)
            || type == typeof(DateTime) || type == typeof(decimal);
    }
}
