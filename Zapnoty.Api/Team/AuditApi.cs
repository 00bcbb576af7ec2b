using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Zapnoty.Api.Access;
using Zapnoty.Api.Problems;
using Zapnoty.Api.Tickets;
using Zapnoty.Grains.Audit;
using Zapnoty.Grains.Projects;

namespace Zapnoty.Api.Team;

public sealed record AuditEntryDto(long Id, DateTime At, ActorDto Actor, string Action, string? TargetId, JsonElement Details)
{
    public static AuditEntryDto From(AuditRow row) => new(row.Id, row.At.UtcDateTime, new ActorDto(row.Actor.Kind, row.Actor.Id),
        row.Action, row.TargetId, JsonDocument.Parse(row.DetailsJson).RootElement.Clone());
}

public static class AuditApi
{
    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/v1/projects/{projectId}/audit").WithTags("Team").WithProjectAccess()
            .MapGet("/", List).RequireRole(ProjectRole.Admin);
        return app;
    }

    /// <summary>
    /// Who changed what, newest first: members and roles, ownership, API keys, settings,
    /// ticket types, canned replies, the project itself.
    /// </summary>
    private static async Task<Ok<Page<AuditEntryDto>>> List(Guid projectId, AuditLog audit, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        var validation = new Validation();
        var take = Paging.Limit(limit, validation);
        var before = Paging.DecodeNumber(cursor, validation);
        validation.ThrowIfAny();

        var rows = await audit.Find(projectId, before, take + 1, cancellationToken);
        var items = rows.Take(take).Select(AuditEntryDto.From).ToList();
        var next = rows.Count > take ? Paging.Encode(items[^1].Id.ToString()) : null;
        return TypedResults.Ok(new Page<AuditEntryDto>(items, next));
    }
}
