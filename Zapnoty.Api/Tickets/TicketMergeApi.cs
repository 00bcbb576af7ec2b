using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Zapnoty.Api.Access;
using Zapnoty.Api.Problems;
using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Team;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Api.Tickets;

/// <summary>The ticket that takes this one's conversation.</summary>
public sealed record MergeRequest(Guid? IntoTicketId);

public static class TicketMergeApi
{
    public static IEndpointRouteBuilder MapTicketMergeApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/v1/helpdesk/tickets/{ticketId:guid}/merge").WithTags("Tickets").WithProjectAccess()
            .MapPost("/", Merge).RequireRole(ProjectRole.Support).ProducesProblems(StatusCodes.Status409Conflict, StatusCodes.Status422UnprocessableEntity);
        return app;
    }

    /// <summary>
    /// Merges this ticket into <c>into_ticket_id</c>, an open ticket of the same customer in the
    /// same project (else 422): its messages move there in time order, it is closed with
    /// <c>merged_into</c>, and the customer's next messenger message lands in the survivor.
    /// Answers the survivor. Merging into itself, merging a merged ticket, or into a merged or
    /// closed one answers 409. Audited (<c>ticket.merged</c>) and sent as the <c>ticket.merged</c> event.
    /// </summary>
    private static async Task<Ok<TicketDto>> Merge(Guid ticketId, MergeRequest body, Caller caller, IGrainFactory grains, TimeProvider clock)
    {
        new Validation().Required(body.IntoTicketId, "into_ticket_id").ThrowIfAny();
        var survivor = await grains.GetGrain<ITicketGrain>(ticketId).Merge(new TicketMerge(caller.Actor, body.IntoTicketId!.Value));
        return TypedResults.Ok(TicketDto.From(survivor, clock.GetUtcNow(), await TeamDirectory.Of(grains, survivor.ProjectId)));
    }
}
