using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Zapnoty.Api.Access;
using Zapnoty.Api.Problems;
using Zapnoty.Grains;
using Zapnoty.Grains.Projects;

namespace Zapnoty.Api.Projects;

public sealed record CreateProjectRequest(string? Name, string? Slug);
public sealed record RenameProjectRequest(string? Name);

public sealed record ProjectDto(Guid Id, string Name, string Slug, DateTime CreatedAt, ProjectRole Role)
{
    public static ProjectDto From(ProjectView project, ProjectRole role) =>
        new(project.Id, project.Name, project.Slug, project.CreatedAt.UtcDateTime, role);
}

public static class ProjectsApi
{
    public static RouteGroupBuilder MapProjectsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/projects").WithTags("Projects").WithProjectAccess();
        api.MapPost("/", Create).RequireSession().ProducesProblems(StatusCodes.Status409Conflict);
        api.MapGet("/", List).RequireSession();
        api.MapGet("/{projectId:guid}", Get);
        api.MapPatch("/{projectId:guid}", Rename).RequireRole(ProjectRole.Admin);
        api.MapDelete("/{projectId:guid}", Delete).RequireRole(ProjectRole.Owner).RequireSession();
        return api;
    }

    /// <summary>Creates a project; the caller becomes its owner.</summary>
    private static async Task<Created<ProjectDto>> Create(CreateProjectRequest body, Caller caller, IGrainFactory grains)
    {
        new Validation().Required(body.Name, "name").Required(body.Slug, "slug").ThrowIfAny();
        var project = await grains.GetGrain<IProjectGrain>(Guid.NewGuid())
            .Create(new CreateProject(body.Name!, body.Slug!, caller.UserId!.Value, caller.Credential.Email!));
        return TypedResults.Created($"/v1/projects/{project.Id}", ProjectDto.From(project, ProjectRole.Owner));
    }

    /// <summary>The projects the caller is a member of, with the caller's role in each.</summary>
    private static async Task<Ok<Page<ProjectDto>>> List(Caller caller, ProjectList projects, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        var validation = new Validation();
        var take = Paging.Limit(limit, validation);
        var after = Paging.Decode(cursor, validation);
        Guid afterId = Guid.Empty;
        if (after is not null && !Guid.TryParse(after, out afterId)) validation.Add("cursor", "The cursor is not one this API handed out.");
        validation.ThrowIfAny();

        var page = await projects.Of(caller.UserId!.Value, afterId, take + 1, cancellationToken);
        var items = page.Take(take).Select(m => ProjectDto.From(m.Project, m.Role)).ToList();
        var next = page.Count > take ? Paging.Encode(items[^1].Id.ToString()) : null;
        return TypedResults.Ok(new Page<ProjectDto>(items, next));
    }

    private static async Task<Ok<ProjectDto>> Get(Guid projectId, Caller caller, IGrainFactory grains) =>
        TypedResults.Ok(ProjectDto.From(await grains.GetGrain<IProjectGrain>(projectId).Get(), caller.Role));

    private static async Task<Ok<ProjectDto>> Rename(Guid projectId, RenameProjectRequest body, Caller caller, IGrainFactory grains)
    {
        new Validation().Required(body.Name, "name").ThrowIfAny();
        return TypedResults.Ok(ProjectDto.From(await grains.GetGrain<IProjectGrain>(projectId).Rename(caller.Actor, body.Name!), caller.Role));
    }

    /// <summary>
    /// Deletes the project for everyone: its tickets, settings and team stop answering and its
    /// API keys are revoked. The slug stays reserved.
    /// </summary>
    private static async Task<NoContent> Delete(Guid projectId, Caller caller, IGrainFactory grains)
    {
        await grains.GetGrain<IProjectGrain>(projectId).Delete(caller.Actor);
        return TypedResults.NoContent();
    }
}
