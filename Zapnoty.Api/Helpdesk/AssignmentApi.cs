using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Zapnoty.Api.Access;
using Zapnoty.Api.Problems;
using Zapnoty.Grains.Assignment;
using Zapnoty.Grains.Projects;

namespace Zapnoty.Api.Helpdesk;

/// <summary>
/// Auto-assignment: <c>mode</c> <c>off</c> | <c>round_robin</c> (the available agent assigned
/// longest ago) | <c>least_open</c> (the fewest open tickets); <c>max_open_per_agent</c> 1..1000
/// or null for no cap; <c>away_after_minutes</c> 1..10080, or null: only an agent's own toggle makes them away.
/// </summary>
public sealed record AssignmentSettingsDto(AssignmentMode Mode, int? MaxOpenPerAgent, int? AwayAfterMinutes)
{
    public static AssignmentSettingsDto From(AssignmentSettings s) => new(s.Mode, s.MaxOpenPerAgent, s.AwayAfterMinutes);
}

/// <summary>The whole settings: a field left out is null (no cap; no away by inactivity).</summary>
public sealed record AssignmentSettingsRequest(AssignmentMode? Mode, int? MaxOpenPerAgent, int? AwayAfterMinutes);

/// <summary>The caller's own switch: <c>false</c> is away (no auto-assigned tickets), <c>true</c> available.</summary>
public sealed record AvailabilityRequest(bool? Available);

/// <summary>
/// <c>available</c>: the member's own switch; <c>away</c>: auto-assignment passes them by now
/// (switched away, or no request for <c>away_after_minutes</c>); <c>last_active_at</c>: their
/// latest request from any session, recorded about once a minute.
/// </summary>
public sealed record AvailabilityDto(bool Available, bool Away, DateTime? LastActiveAt)
{
    public static AvailabilityDto From(AgentPresence p) => new(p.Available, p.Away, p.LastActiveAt?.UtcDateTime);
}

public static class AssignmentApi
{
    public static RouteGroupBuilder MapAssignmentApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/projects/{projectId:guid}").WithTags("Auto-assignment").WithProjectAccess();
        api.MapGet("/helpdesk/assignment", Get);
        api.MapPut("/helpdesk/assignment", Set).RequireRole(ProjectRole.Admin);
        api.MapPut("/members/me/availability", SetAvailability).RequireRole(ProjectRole.Support).RequireSession();
        return api;
    }

    /// <summary>The project's auto-assignment; <c>off</c> until an admin sets it.</summary>
    private static async Task<Ok<AssignmentSettingsDto>> Get(Guid projectId, IGrainFactory grains) =>
        TypedResults.Ok(AssignmentSettingsDto.From(await grains.GetGrain<IAssignmentGrain>(projectId).Get()));

    /// <summary>
    /// Replaces the settings. Waiting tickets (open, unassigned) are then handed out, oldest first,
    /// as far as the agents' room allows. Manual assignment is never capped.
    /// </summary>
    private static async Task<Ok<AssignmentSettingsDto>> Set(Guid projectId, AssignmentSettingsRequest body, Caller caller, IGrainFactory grains)
    {
        var validation = new Validation().Required(body.Mode, "mode");
        if (body.MaxOpenPerAgent is { } cap && cap is < 1 or > AssignmentLimits.MaxOpenPerAgent)
            validation.Add("max_open_per_agent", $"max_open_per_agent is 1..{AssignmentLimits.MaxOpenPerAgent}, or null for no cap.");
        if (body.AwayAfterMinutes is { } away && away is < 1 or > AssignmentLimits.MaxAwayAfterMinutes)
            validation.Add("away_after_minutes", $"away_after_minutes is 1..{AssignmentLimits.MaxAwayAfterMinutes}, or null.");
        validation.ThrowIfAny();
        var settings = await grains.GetGrain<IAssignmentGrain>(projectId).Set(caller.Actor,
            new AssignmentSettings(body.Mode!.Value, body.MaxOpenPerAgent, body.AwayAfterMinutes));
        return TypedResults.Ok(AssignmentSettingsDto.From(settings));
    }

    /// <summary>Switches the caller available or away in this project (members who handle tickets: support and up).</summary>
    private static async Task<Ok<AvailabilityDto>> SetAvailability(Guid projectId, AvailabilityRequest body, Caller caller, IGrainFactory grains)
    {
        new Validation().Required(body.Available, "available").ThrowIfAny();
        var presence = await grains.GetGrain<IAssignmentGrain>(projectId).SetAvailability(caller.UserId!.Value, body.Available!.Value);
        return TypedResults.Ok(AvailabilityDto.From(presence));
    }
}
