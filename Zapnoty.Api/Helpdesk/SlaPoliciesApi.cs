using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Zapnoty.Api.Access;
using Zapnoty.Api.Problems;
using Zapnoty.Grains.Projects;
using Zapnoty.Grains.SlaPolicies;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Api.Helpdesk;

/// <summary>
/// SLA targets for tickets of one <c>priority</c> (and of one ticket type when <c>type_id</c> is
/// set; that policy wins over the priority's own). Minutes from 1 to 5,256,000, null for no
/// target. <c>business_hours</c>: counted in the project's calendar (around the clock while it
/// has none). <c>pause_while_waiting</c>: the resolution clock stops while the ticket is waiting.
/// </summary>
public sealed record SlaPolicyDto(
    TicketPriority? Priority, Guid? TypeId, int? FirstReplyMinutes, int? NextReplyMinutes, int? ResolveMinutes,
    bool BusinessHours, bool PauseWhileWaiting)
{
    public static SlaPolicyDto From(SlaPolicy p) =>
        new(p.Priority, p.TypeId, p.FirstReplyMinutes, p.NextReplyMinutes, p.ResolveMinutes, p.BusinessHours, p.PauseWhileWaiting);
}

/// <summary>A project's SLA policies; without any, the targets of the helpdesk settings apply to every ticket.</summary>
public sealed record SlaPoliciesDto(IReadOnlyList<SlaPolicyDto>? Policies);

public static class SlaPoliciesApi
{
    public static RouteGroupBuilder MapSlaPoliciesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/projects/{projectId:guid}/helpdesk/sla-policies").WithTags("SLA policies").WithProjectAccess();
        api.MapGet("/", Get).RequireRole(ProjectRole.Admin);
        api.MapPut("/", Set).RequireRole(ProjectRole.Admin).ProducesProblems(StatusCodes.Status422UnprocessableEntity);
        return api;
    }

    /// <summary>The project's SLA policies, by priority, each priority's own before those of its ticket types.</summary>
    private static async Task<Ok<SlaPoliciesDto>> Get(Guid projectId, IGrainFactory grains) =>
        TypedResults.Ok(From(await grains.GetGrain<ISlaPolicyGrain>(projectId).Get()));

    /// <summary>
    /// Replaces the policies (an empty list removes them). New tickets take them at once; open
    /// tickets keep the policy they started with until their priority or type changes. A priority
    /// and type given twice, an unknown ticket type or minutes out of range answer 422.
    /// </summary>
    private static async Task<Ok<SlaPoliciesDto>> Set(Guid projectId, SlaPoliciesDto body, Caller caller, IGrainFactory grains)
    {
        var validation = new Validation().Required(body.Policies, "policies");
        var policies = body.Policies ?? [];
        for (var i = 0; i < policies.Count; i++)
        {
            if (policies[i] is null) validation.Add($"policies[{i}]", "A policy is an object.");
            else validation.Required(policies[i].Priority, $"policies[{i}].priority");
        }
        validation.ThrowIfAny();
        var stored = await grains.GetGrain<ISlaPolicyGrain>(projectId).Set(caller.Actor, policies.Select(p => new SlaPolicy(
            p.Priority!.Value, p.TypeId, p.FirstReplyMinutes, p.NextReplyMinutes, p.ResolveMinutes, p.BusinessHours, p.PauseWhileWaiting)).ToList());
        return TypedResults.Ok(From(stored));
    }

    private static SlaPoliciesDto From(IReadOnlyList<SlaPolicy> policies) => new(policies.Select(SlaPolicyDto.From).ToList());
}
