using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Zapnoty.Api.Access;
using Zapnoty.Api.Problems;
using Zapnoty.Grains.Projects;

namespace Zapnoty.Api.Helpdesk;

public sealed record TicketTypeRequest(string? Name);

public sealed record TicketTypeDto(Guid Id, string Name, int Position, bool Archived)
{
    public static TicketTypeDto From(TicketTypeView t) => new(t.Id, t.Name, t.Position, t.Archived);
}

public static class TicketTypesApi
{
    public static RouteGroupBuilder MapTicketTypesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/projects/{projectId:guid}/helpdesk/ticket-types").WithTags("Ticket types").WithProjectAccess();
        api.MapGet("/", List);
        api.MapPost("/", Add).RequireRole(ProjectRole.Admin).ProducesProblems(StatusCodes.Status409Conflict);
        api.MapPatch("/{typeId:guid}", Rename).RequireRole(ProjectRole.Admin).ProducesProblems(StatusCodes.Status409Conflict);
        api.MapDelete("/{typeId:guid}", Archive).RequireRole(ProjectRole.Admin);
        return api;
    }

    /// <summary>The project's ticket types; <c>include_archived=true</c> adds the removed ones.</summary>
    private static async Task<Ok<Page<TicketTypeDto>>> List(Guid projectId, [FromQuery(Name = "include_archived")] bool? includeArchived, IGrainFactory grains)
    {
        var types = await grains.GetGrain<IProjectGrain>(projectId).ListTicketTypes(includeArchived ?? false);
        return TypedResults.Ok(new Page<TicketTypeDto>(types.Select(TicketTypeDto.From).ToList(), null));
    }

    private static async Task<Created<TicketTypeDto>> Add(Guid projectId, TicketTypeRequest body, Caller caller, IGrainFactory grains)
    {
        new Validation().Required(body.Name, "name").ThrowIfAny();
        var type = await grains.GetGrain<IProjectGrain>(projectId).AddTicketType(caller.Actor, body.Name!);
        return TypedResults.Created($"/v1/projects/{projectId}/helpdesk/ticket-types/{type.Id}", TicketTypeDto.From(type));
    }

    private static async Task<Ok<TicketTypeDto>> Rename(Guid projectId, Guid typeId, TicketTypeRequest body, Caller caller, IGrainFactory grains)
    {
        new Validation().Required(body.Name, "name").ThrowIfAny();
        return TypedResults.Ok(TicketTypeDto.From(await grains.GetGrain<IProjectGrain>(projectId).RenameTicketType(caller.Actor, typeId, body.Name!)));
    }

    /// <summary>Removes the type from new tickets; tickets that have it keep it (archived, not lost).</summary>
    private static async Task<NoContent> Archive(Guid projectId, Guid typeId, Caller caller, IGrainFactory grains)
    {
        await grains.GetGrain<IProjectGrain>(projectId).ArchiveTicketType(caller.Actor, typeId);
        return TypedResults.NoContent();
    }
}
