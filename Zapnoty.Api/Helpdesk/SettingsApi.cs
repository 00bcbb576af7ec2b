using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Zapnoty.Api.Access;
using Zapnoty.Grains.Projects;

namespace Zapnoty.Api.Helpdesk;

public sealed record SettingsDto(decimal? SlaFirstReplyHours, decimal? SlaResolveHours)
{
    public static SettingsDto From(HelpdeskSettings s) => new(s.SlaFirstReplyHours, s.SlaResolveHours);
}

/// <summary>Only the fields present change; <c>null</c> switches a target off.</summary>
public sealed class SettingsPatch
{
    private decimal? _firstReply;
    private decimal? _resolve;

    public decimal? SlaFirstReplyHours { get => _firstReply; init { _firstReply = value; HasFirstReply = true; } }
    public decimal? SlaResolveHours { get => _resolve; init { _resolve = value; HasResolve = true; } }

    [JsonIgnore] public bool HasFirstReply { get; private init; }
    [JsonIgnore] public bool HasResolve { get; private init; }
}

public static class SettingsApi
{
    public static RouteGroupBuilder MapSettingsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/projects/{projectId:guid}/helpdesk/settings").WithTags("Helpdesk settings").WithProjectAccess();
        api.MapGet("/", Get);
        api.MapPatch("/", Change).RequireRole(ProjectRole.Admin);
        return api;
    }

    private static async Task<Ok<SettingsDto>> Get(Guid projectId, IGrainFactory grains) =>
        TypedResults.Ok(SettingsDto.From(await grains.GetGrain<IProjectGrain>(projectId).GetSettings()));

    private static async Task<Ok<SettingsDto>> Change(Guid projectId, SettingsPatch body, Caller caller, IGrainFactory grains)
    {
        var settings = await grains.GetGrain<IProjectGrain>(projectId).ChangeSettings(new SettingsChange(
            caller.Actor, body.HasFirstReply, body.SlaFirstReplyHours, body.HasResolve, body.SlaResolveHours));
        return TypedResults.Ok(SettingsDto.From(settings));
    }
}
