using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Zapnoty.Api.Problems;
using Zapnoty.Grains;
using Zapnoty.Grains.Access;
using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Api.Access;

/// <summary>The least role an endpoint needs; endpoints without it need <see cref="ProjectRole.Viewer"/>.</summary>
public sealed record RequiredRole(ProjectRole Role);

/// <summary>Marks an endpoint that only a person may call (a session), never an API key.</summary>
public sealed record SessionOnly;

/// <summary>
/// The one authorisation mechanism of the API. On every authenticated route it resolves the
/// project the route is about (from <c>{projectId}</c>, or through <c>{ticketId}</c>), the
/// caller's role in it, and compares with the endpoint's <see cref="RequiredRole"/>.
/// A project the caller cannot see answers 404, exactly like one that does not exist.
/// </summary>
public sealed class ProjectAccess(IGrainFactory grains) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var caller = http.RequestServices.GetRequiredService<Caller>();
        caller.Credential = BearerAuthentication.CredentialOf(http)
            ?? throw new InvalidOperationException("ProjectAccess runs only on authenticated endpoints.");

        var endpoint = http.GetEndpoint();
        if (endpoint?.Metadata.GetMetadata<SessionOnly>() is not null && caller.Credential.Kind != CredentialKind.Session)
            return TypedResults.Problem(statusCode: 403, title: "Forbidden", detail: "Only a signed-in person can do this; API keys act within their own project.");

        var projectId = await ProjectOf(http, caller);
        if (projectId is null) return await next(context);

        var role = await RoleIn(projectId.Value, caller.Credential)
            ?? throw DomainException.NotFound(caller.Ticket is null ? $"Project {projectId} does not exist." : $"Ticket {caller.Ticket.Id} does not exist.");
        var required = endpoint?.Metadata.GetMetadata<RequiredRole>()?.Role ?? ProjectRole.Viewer;
        if (role < required)
            return TypedResults.Problem(statusCode: 403, title: "Forbidden",
                detail: $"This needs the {required.Wire()} role or above; you are {role.Wire()}.");

        caller.ProjectId = projectId.Value;
        caller.Role = role;
        return await next(context);
    }

    /// <summary>
    /// The project a route is about; null only for routes that name neither a project nor a ticket.
    /// Fails closed: an id that does not parse is not found, never a pass without a role check.
    /// </summary>
    private async Task<Guid?> ProjectOf(HttpContext http, Caller caller)
    {
        var route = http.Request.RouteValues;
        if (route.TryGetValue("projectId", out var project))
            return Guid.TryParse(project as string, out var projectId) && projectId != Guid.Empty
                ? projectId
                : throw DomainException.NotFound("There is no project with that id.");
        if (route.TryGetValue("ticketId", out var ticket))
        {
            if (!Guid.TryParse(ticket as string, out var ticketId) || ticketId == Guid.Empty)
                throw DomainException.NotFound("There is no ticket with that id.");
            caller.Ticket = await grains.GetGrain<ITicketGrain>(ticketId).Summary();
            return caller.Ticket.ProjectId;
        }
        return null;
    }

    private Task<ProjectRole?> RoleIn(Guid projectId, Credential credential) =>
        grains.GetGrain<IProjectGrain>(projectId).AccessOf(credential);
}

public static class ProjectAccessEndpoints
{
    /// <summary>
    /// Authenticated, and checked by <see cref="ProjectAccess"/>, for every endpoint of the group
    /// (or the one endpoint). Declares what the two answer: 401 without a valid credential; 404
    /// for a project or ticket the caller cannot see (routes that name one); 403 where the route
    /// needs more than a viewer or a person rather than an API key.
    /// </summary>
    public static TBuilder WithProjectAccess<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.RequireAuthorization().AddEndpointFilter<TBuilder, ProjectAccess>();
        // Finally: the endpoint's own RequireRole/RequireSession come after the group's conventions.
        builder.Finally(endpoint =>
        {
            DocumentedProblems.Declare(endpoint, StatusCodes.Status401Unauthorized);
            var route = (endpoint as RouteEndpointBuilder)?.RoutePattern;
            if (route?.GetParameter("projectId") is not null || route?.GetParameter("ticketId") is not null)
                DocumentedProblems.Declare(endpoint, StatusCodes.Status404NotFound);
            if (endpoint.Metadata.OfType<SessionOnly>().Any() || endpoint.Metadata.OfType<RequiredRole>().Any(r => r.Role > ProjectRole.Viewer))
                DocumentedProblems.Declare(endpoint, StatusCodes.Status403Forbidden);
        });
        return builder;
    }

    public static TBuilder RequireRole<TBuilder>(this TBuilder builder, ProjectRole role) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequiredRole(role));

    public static TBuilder RequireSession<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new SessionOnly());
}
