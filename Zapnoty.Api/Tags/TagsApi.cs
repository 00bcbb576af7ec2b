using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Zapnoty.Api.Access;
using Zapnoty.Api.Problems;
using Zapnoty.Grains;
using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Tags;
using Zapnoty.Grains.Team;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Api.Tags;

/// <summary>A new tag: <c>name</c> (unique in the project, ignoring case), <c>color</c> <c>#rrggbb</c> (one of the palette when left out).</summary>
public sealed record TagRequest(string? Name, string? Color);

/// <summary>Only the fields given change.</summary>
public sealed record TagPatch(string? Name, string? Color);

/// <summary>The ticket's tags become exactly these (an empty list removes them all).</summary>
public sealed record TicketTagsRequest(IReadOnlyList<Guid>? TagIds);

public sealed record ProjectTagDto(Guid Id, string Name, string Color, DateTime CreatedAt, bool Archived)
{
    public static ProjectTagDto From(TagView t) => new(t.Id, t.Name, t.Color, t.CreatedAt.UtcDateTime, t.Archived);
}

public static class TagsApi
{
    public static IEndpointRouteBuilder MapTagsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/projects/{projectId:guid}/tags").WithTags("Tags").WithProjectAccess();
        api.MapGet("/", List);
        api.MapPost("/", Add).RequireRole(ProjectRole.Admin).ProducesProblems(StatusCodes.Status409Conflict, StatusCodes.Status422UnprocessableEntity);
        api.MapPatch("/{tagId:guid}", Change).RequireRole(ProjectRole.Admin).ProducesProblems(StatusCodes.Status409Conflict);
        api.MapDelete("/{tagId:guid}", Remove).RequireRole(ProjectRole.Admin);

        app.MapGroup("/v1/helpdesk/tickets/{ticketId:guid}/tags").WithTags("Tags").WithProjectAccess()
            .MapPut("/", SetOnTicket).RequireRole(ProjectRole.Support).ProducesProblems(StatusCodes.Status409Conflict, StatusCodes.Status422UnprocessableEntity);
        return app;
    }

    /// <summary>The project's tags by name; <c>include_archived=true</c> adds the archived ones. <c>palette</c>: the suggested colours.</summary>
    private static async Task<Ok<TagListDto>> List(Guid projectId, [FromQuery(Name = "include_archived")] bool? includeArchived, IGrainFactory grains)
    {
        var tags = await grains.GetGrain<ITagsGrain>(projectId).List(includeArchived ?? false);
        return TypedResults.Ok(new TagListDto(tags.Select(ProjectTagDto.From).ToList(), null, TagLimits.Palette));
    }

    /// <summary>
    /// A new tag. A live tag of the same name (ignoring case) answers 409; a colour that is not
    /// <c>#rrggbb</c> 400; a project with 200 live tags 422.
    /// </summary>
    private static async Task<Created<ProjectTagDto>> Add(Guid projectId, TagRequest body, Caller caller, IGrainFactory grains)
    {
        new Validation().Required(body.Name, "name").ThrowIfAny();
        var tag = await grains.GetGrain<ITagsGrain>(projectId).Add(caller.Actor, body.Name, body.Color);
        return TypedResults.Created($"/v1/projects/{projectId}/tags/{tag.Id}", ProjectTagDto.From(tag));
    }

    /// <summary>Renames and/or recolours a tag; tickets show the new name and colour.</summary>
    private static async Task<Ok<ProjectTagDto>> Change(Guid projectId, Guid tagId, TagPatch body, Caller caller, IGrainFactory grains) =>
        TypedResults.Ok(ProjectTagDto.From(await grains.GetGrain<ITagsGrain>(projectId).Change(new TagChange(caller.Actor, tagId, body.Name, body.Color))));

    /// <summary>Deletes a tag no ticket has; a tag that tickets have is archived instead (they keep it, nobody can assign it).</summary>
    private static async Task<NoContent> Remove(Guid projectId, Guid tagId, Caller caller, IGrainFactory grains)
    {
        await grains.GetGrain<ITagsGrain>(projectId).Remove(caller.Actor, tagId);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// Replaces the ticket's tags with <c>tag_ids</c> (at most 10; an unknown tag answers 400, an
    /// archived one the ticket does not have 422). One <c>tags</c> history entry and one
    /// <c>ticket.tags_changed</c> webhook event (with <c>added</c> and <c>removed</c>) per change.
    /// </summary>
    private static async Task<Ok<TicketDto>> SetOnTicket(Guid ticketId, TicketTagsRequest body, Caller caller, IGrainFactory grains, TimeProvider clock)
    {
        new Validation().Required(body.TagIds, "tag_ids").ThrowIfAny();
        var ticket = await grains.GetGrain<ITicketGrain>(ticketId).SetTags(caller.Actor, body.TagIds!);
        return TypedResults.Ok(TicketDto.From(ticket, clock.GetUtcNow(), await TeamDirectory.Of(grains, ticket.ProjectId)));
    }
}

/// <summary>The tags (all of them: a project has at most 200), and the colours the dashboard offers.</summary>
public sealed record TagListDto(IReadOnlyList<ProjectTagDto> Items, string? NextCursor, IReadOnlyList<string> Palette);
