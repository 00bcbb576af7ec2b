using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Zapnoty.Api.Access;
using Zapnoty.Api.Problems;
using Zapnoty.Grains;
using Zapnoty.Grains.CannedReplies;
using Zapnoty.Grains.Projects;

namespace Zapnoty.Api.CannedReplies;

/// <summary><c>tag_ids</c>: live tags the reply puts on the ticket it is sent on (at most 10).</summary>
public sealed record CannedReplyRequest(string? Title, string? Text, IReadOnlyList<Guid>? TagIds = null);

/// <summary>Only the fields present change; neither may be <c>null</c>.</summary>
public sealed class CannedReplyPatch
{
    private readonly string? _title;
    private readonly string? _text;
    private readonly IReadOnlyList<Guid>? _tagIds;

    public string? Title { get => _title; init { _title = value; HasTitle = true; } }
    public string? Text { get => _text; init { _text = value; HasText = true; } }
    public IReadOnlyList<Guid>? TagIds { get => _tagIds; init { _tagIds = value; HasTagIds = true; } }

    [JsonIgnore] public bool HasTitle { get; private init; }
    [JsonIgnore] public bool HasText { get; private init; }
    [JsonIgnore] public bool HasTagIds { get; private init; }
}

/// <summary><c>tag_ids</c>: the tags a reply sent with it adds to the ticket.</summary>
public sealed record CannedReplyDto(Guid Id, string Title, string Text, DateTime CreatedAt, DateTime UpdatedAt, IReadOnlyList<Guid> TagIds)
{
    public static CannedReplyDto From(CannedReplyView r) => new(r.Id, r.Title, r.Text, r.CreatedAt.UtcDateTime, r.UpdatedAt.UtcDateTime, r.TagIds ?? []);
}

/// <summary>A canned reply filled in for one ticket and the calling agent.</summary>
public sealed record RenderedReplyDto(string Text);

public static class CannedRepliesApi
{
    public static IEndpointRouteBuilder MapCannedRepliesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/projects/{projectId:guid}/helpdesk/canned-replies").WithTags("Canned replies").WithProjectAccess();
        api.MapGet("/", List);
        api.MapPost("/", Add).RequireRole(ProjectRole.Support).ProducesProblems(StatusCodes.Status409Conflict);
        api.MapPatch("/{cannedReplyId:guid}", Change).RequireRole(ProjectRole.Support);
        api.MapDelete("/{cannedReplyId:guid}", Delete).RequireRole(ProjectRole.Support);

        // The role that may reply is the role that may fill a reply in.
        app.MapGroup("/v1/helpdesk/tickets/{ticketId:guid}/canned-replies").WithTags("Canned replies").WithProjectAccess()
            .MapPost("/{cannedReplyId:guid}/render", Render).RequireRole(ProjectRole.Support).ProducesProblems(StatusCodes.Status400BadRequest);
        return app;
    }

    /// <summary>The team's canned replies, by title (ignoring case), then id.</summary>
    private static async Task<Ok<Page<CannedReplyDto>>> List(Guid projectId, IGrainFactory grains, int? limit, string? cursor)
    {
        var validation = new Validation();
        var take = Paging.Limit(limit, validation);
        CannedReplyPosition? after = null;
        if (Paging.Decode(cursor, validation) is { } position)
        {
            // "{id}:{title}" of the last item shown; an id alone would lose the place if that item were renamed or deleted.
            if (position.Length > 36 && position[36] == ':' && Guid.TryParse(position.AsSpan(0, 36), out var id)) after = new(position[37..], id);
            else validation.Add("cursor", "The cursor is not one this API handed out.");
        }
        validation.ThrowIfAny();

        var replies = await grains.GetGrain<IProjectGrain>(projectId).ListCannedReplies(after, take + 1);
        var items = replies.Take(take).Select(CannedReplyDto.From).ToList();
        var next = replies.Count > take ? Paging.Encode($"{items[^1].Id:D}:{items[^1].Title}") : null;
        return TypedResults.Ok(new Page<CannedReplyDto>(items, next));
    }

    /// <summary>
    /// A canned reply for the whole team. <c>text</c> may use <c>{{customer.name}}</c>,
    /// <c>{{customer.first_name}}</c>, <c>{{ticket.number}}</c>, <c>{{ticket.subject}}</c>,
    /// <c>{{ticket.type}}</c>, <c>{{agent.name}}</c>, <c>{{project.name}}</c>, each with an
    /// optional fallback: <c>{{customer.first_name|there}}</c>.
    /// </summary>
    private static async Task<Created<CannedReplyDto>> Add(Guid projectId, CannedReplyRequest body, Caller caller, IGrainFactory grains)
    {
        var validation = new Validation();
        AddAll(validation, CannedReplyRules.TitleProblems(body.Title));
        AddAll(validation, CannedReplyRules.TextProblems(body.Text));
        validation.ThrowIfAny();
        var tagIds = body.TagIds ?? [];
        await Tags.CannedReplyTags.RequireLive(grains, projectId, tagIds);

        var project = grains.GetGrain<IProjectGrain>(projectId);
        var reply = await project.AddCannedReply(caller.Actor, body.Title, body.Text);
        if (tagIds.Count > 0)
            reply = await project.ChangeCannedReply(reply.Id, new CannedReplyChange(caller.Actor, false, null, false, null, ChangesTags: true, TagIds: tagIds));
        return TypedResults.Created($"/v1/projects/{projectId}/helpdesk/canned-replies/{reply.Id}", CannedReplyDto.From(reply));
    }

    /// <summary>Changes the title, the text and/or the <c>tag_ids</c> (an empty list or null: none); the same rules as creating one.</summary>
    private static async Task<Ok<CannedReplyDto>> Change(Guid projectId, Guid cannedReplyId, CannedReplyPatch body, Caller caller, IGrainFactory grains)
    {
        var validation = new Validation();
        if (body.HasTitle) AddAll(validation, CannedReplyRules.TitleProblems(body.Title));
        if (body.HasText) AddAll(validation, CannedReplyRules.TextProblems(body.Text));
        validation.ThrowIfAny();

        var reply = await grains.GetGrain<IProjectGrain>(projectId).ChangeCannedReply(cannedReplyId,
            new CannedReplyChange(caller.Actor, body.HasTitle, body.Title, body.HasText, body.Text, body.HasTagIds, body.TagIds));
        return TypedResults.Ok(CannedReplyDto.From(reply));
    }

    /// <summary>Deletes it for the whole team; replies already sent with it keep their text.</summary>
    private static async Task<NoContent> Delete(Guid projectId, Guid cannedReplyId, Caller caller, IGrainFactory grains)
    {
        await grains.GetGrain<IProjectGrain>(projectId).DeleteCannedReply(caller.Actor, cannedReplyId);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// The canned reply filled in for this ticket and the calling agent (what the dashboard puts
    /// into the reply box). Values are inserted as plain text, never read as variables again.
    /// 400 when the result would not be a valid message (empty, or over 4,096 characters).
    /// </summary>
    private static async Task<Ok<RenderedReplyDto>> Render(Guid cannedReplyId, Caller caller, IGrainFactory grains)
    {
        var text = await grains.GetGrain<IProjectGrain>(caller.ProjectId).RenderCannedReply(cannedReplyId, caller.Ticket!, caller.Actor)
            ?? throw DomainException.NotFound($"Canned reply {cannedReplyId} does not exist in this project.");
        return TypedResults.Ok(new RenderedReplyDto(text));
    }

    private static void AddAll(Validation validation, IEnumerable<(string Field, string Message)> problems)
    {
        foreach (var (field, message) in problems) validation.Add(field, message);
    }
}
