using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Zapnoty.Api.Access;
using Zapnoty.Api.Problems;
using Zapnoty.Grains.Csat;
using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Team;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Api.Helpdesk;

/// <summary>
/// The CSAT survey: when <c>enabled</c>, closing a ticket asks its customer to rate it 1–5 —
/// <c>question_text</c> with 1–5 buttons in Telegram and Max, then <c>thanks_text</c>, then
/// <c>comment_prompt_text</c> (null: no comment is asked for); website tickets get the
/// <c>ticket.csat_requested</c> webhook instead. Each text is at most 1,000 characters; an empty
/// or missing question or thanks text is the default.
/// </summary>
public sealed record CsatSettingsDto(bool? Enabled, string? QuestionText, string? ThanksText, string? CommentPromptText)
{
    public static CsatSettingsDto From(CsatSettings s) => new(s.Enabled, s.QuestionText, s.ThanksText, s.CommentPromptText);
}

/// <summary>A website customer's rating: <c>score</c> 1–5 and an optional <c>comment</c> (at most 4,096 characters).</summary>
public sealed record CsatRatingRequest(int? Score, string? Comment);

public static class CsatApi
{
    public static IEndpointRouteBuilder MapCsatApi(this IEndpointRouteBuilder app)
    {
        var settings = app.MapGroup("/v1/projects/{projectId:guid}/helpdesk/csat").WithTags("CSAT").WithProjectAccess();
        settings.MapGet("/", Get).RequireRole(ProjectRole.Admin);
        settings.MapPut("/", Set).RequireRole(ProjectRole.Admin);

        app.MapGroup("/v1/helpdesk/tickets/{ticketId:guid}/csat").WithTags("CSAT").WithProjectAccess()
            .MapPost("/", Rate).RequireRole(ProjectRole.Support).ProducesProblems(StatusCodes.Status409Conflict, StatusCodes.Status422UnprocessableEntity);
        return app;
    }

    /// <summary>The project's survey settings; the defaults (off) until an admin sets them.</summary>
    private static async Task<Ok<CsatSettingsDto>> Get(Guid projectId, IGrainFactory grains) =>
        TypedResults.Ok(CsatSettingsDto.From(await grains.GetGrain<ICsatSettingsGrain>(projectId).Get()));

    /// <summary>Replaces the survey settings (<c>enabled</c> is required). Audited as <c>helpdesk.csat_changed</c>.</summary>
    private static async Task<Ok<CsatSettingsDto>> Set(Guid projectId, CsatSettingsDto body, Caller caller, IGrainFactory grains)
    {
        new Validation()
            .Required(body.Enabled, "enabled")
            .MaxLength(body.QuestionText, CsatLimits.MaxTextLength, "question_text")
            .MaxLength(body.ThanksText, CsatLimits.MaxTextLength, "thanks_text")
            .MaxLength(body.CommentPromptText, CsatLimits.MaxTextLength, "comment_prompt_text")
            .ThrowIfAny();
        var stored = await grains.GetGrain<ICsatSettingsGrain>(projectId).Set(caller.Actor,
            new CsatSettings(body.Enabled!.Value, body.QuestionText ?? "", body.ThanksText ?? "", body.CommentPromptText));
        return TypedResults.Ok(CsatSettingsDto.From(stored));
    }

    /// <summary>
    /// The rating of a website ticket (channel <c>api</c>), posted by the team's site or app for its
    /// customer after <c>ticket.csat_requested</c>; the same callers as <c>POST .../customer-reply</c>.
    /// Answers the ticket with its <c>csat</c> and emits <c>ticket.csat_received</c>. Rated already
    /// after this close: 409 (the first rating stays). Not closed, no survey sent (CSAT was off, or the
    /// ticket was reopened), a Telegram or Max ticket, or a score outside 1–5: 422.
    /// </summary>
    private static async Task<Ok<TicketDto>> Rate(Guid ticketId, CsatRatingRequest body, Caller caller, IGrainFactory grains, TimeProvider clock)
    {
        new Validation().Required(body.Score, "score").MaxLength(body.Comment, CsatLimits.MaxCommentLength, "comment").ThrowIfAny();
        var ticket = await grains.GetGrain<ITicketCsatGrain>(ticketId).Rate(new CsatRating(caller.Actor, body.Score!.Value, body.Comment));
        return TypedResults.Ok(TicketDto.From(ticket, clock.GetUtcNow(), await TeamDirectory.Of(grains, ticket.ProjectId)));
    }
}
