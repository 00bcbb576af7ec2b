using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Zapnoty.Api.Access;
using Zapnoty.Api.Problems;
using Zapnoty.Grains;
using Zapnoty.Grains.Audit;
using Zapnoty.Grains.Projects;

namespace Zapnoty.Api.Team;

/// <summary>Who did it: <c>name</c> is a person's display name or an API key's name, <c>email</c> a person's (both as they are now).</summary>
public sealed record AuditActorDto(ActorKind Kind, string? Id, string? Name, string? Email);

public sealed record AuditEntryDto(long Id, DateTime At, AuditActorDto Actor, string Action, string? TargetId, JsonElement Details)
{
    public static AuditEntryDto From(AuditRow row) => new(row.Id, row.At.UtcDateTime,
        new AuditActorDto(row.Actor.Kind, row.Actor.Id, row.ActorName, row.ActorEmail),
        row.Action, row.TargetId, JsonDocument.Parse(row.DetailsJson).RootElement.Clone());
}

public static partial class AuditApi
{
    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/v1/projects/{projectId:guid}/audit").WithTags("Team").WithProjectAccess()
            .MapGet("/", List).RequireRole(ProjectRole.Admin);
        return app;
    }

    /// <summary>
    /// Who changed what, newest first: members and roles, ownership, API keys, settings,
    /// ticket types, canned replies, webhooks, bots, billing, the project itself. <c>action</c>
    /// filters by an action (<c>member.added</c>) or an area (<c>member</c> for every <c>member.*</c>).
    /// </summary>
    private static async Task<Ok<Page<AuditEntryDto>>> List(Guid projectId, AuditLog audit, int? limit, string? cursor, string? action,
        CancellationToken cancellationToken)
    {
        var validation = new Validation();
        var take = Paging.Limit(limit, validation);
        var before = Paging.DecodeNumber(cursor, validation);
        if (action is not null && !ActionPattern().IsMatch(action))
            validation.Add("action", "The action is an audit action such as member.added, or an area such as member.");
        validation.ThrowIfAny();

        var rows = await audit.Find(projectId, before, action, take + 1, cancellationToken);
        var items = rows.Take(take).Select(AuditEntryDto.From).ToList();
        var next = rows.Count > take ? Paging.Encode(items[^1].Id.ToString()) : null;
        return TypedResults.Ok(new Page<AuditEntryDto>(items, next));
    }

    [GeneratedRegex("^[a-z_]{1,40}(\\.[a-z_]{1,40})?$")]
    private static partial Regex ActionPattern();
}
