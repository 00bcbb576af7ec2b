using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Zapnoty.Api.Access;
using Zapnoty.Api.Problems;
using Zapnoty.Api.Tickets;
using Zapnoty.Grains.Notifications;

namespace Zapnoty.Api.Notifications;

/// <summary>
/// A notification: <c>kind</c> <c>mention</c> (someone mentioned you in a note; <c>message_id</c>
/// and <c>excerpt</c> name it) or <c>assigned</c> (someone assigned you the ticket). <c>read_at</c>
/// is null while unread.
/// </summary>
public sealed record NotificationDto(Guid Id, string Kind, Guid ProjectId, string ProjectName, Guid TicketId, long TicketNumber, string TicketSubject,
    Guid? MessageId, string? Excerpt, ActorDto Actor, string? ActorName, DateTime CreatedAt, DateTime? ReadAt)
{
    public static NotificationDto From(NotificationView n) => new(n.Id, n.Kind, n.ProjectId, n.ProjectName, n.TicketId, n.TicketNumber, n.TicketSubject,
        n.MessageId, n.Excerpt, new ActorDto(n.Actor.Kind, n.Actor.Id), n.ActorName, n.CreatedAt.UtcDateTime, n.ReadAt?.UtcDateTime);
}

/// <summary>Your notifications, newest first, and how many of all of them are unread.</summary>
public sealed record NotificationPageDto(IReadOnlyList<NotificationDto> Items, string? NextCursor, int UnreadCount);

/// <summary>The notifications to mark read; all of yours when <c>ids</c> is omitted (an empty list marks none).</summary>
public sealed record MarkReadRequest(IReadOnlyList<Guid>? Ids);

/// <summary>How many of your notifications are still unread.</summary>
public sealed record UnreadCountDto(int UnreadCount);

/// <summary>The signed-in person's notifications across the projects they belong to (the dashboard's bell).</summary>
public static class NotificationsApi
{
    public static RouteGroupBuilder MapNotificationsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/me/notifications").WithTags("Notifications").WithProjectAccess().RequireSession();
        api.MapGet("/", List).ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapPost("/read", MarkRead).ProducesProblem(StatusCodes.Status400BadRequest);
        return api;
    }

    /// <summary>
    /// Your notifications newest first (paginated: <c>limit</c>, <c>cursor</c>), only of projects you
    /// are still a member of, with <c>unread_count</c> over all of them.
    /// </summary>
    private static async Task<Ok<NotificationPageDto>> List(int? limit, string? cursor, Caller caller, NotificationStore store,
        CancellationToken cancellationToken)
    {
        var validation = new Validation();
        var pageSize = Paging.Limit(limit, validation);
        Guid? after = null;
        if (Paging.Decode(cursor, validation) is { } position)
        {
            if (Guid.TryParse(position, out var id) && await store.Exists(caller.UserId!.Value, id, cancellationToken)) after = id;
            else validation.Add("cursor", "The cursor is not one this API handed out.");
        }
        validation.ThrowIfAny();
        var page = await store.List(caller.UserId!.Value, after, pageSize, cancellationToken);
        var items = page.Items.Select(NotificationDto.From).ToList();
        return TypedResults.Ok(new NotificationPageDto(items, page.HasMore ? Paging.Encode(items[^1].Id.ToString()) : null, page.UnreadCount));
    }

    /// <summary>Marks notifications read: those in <c>ids</c> (at most 200; ids not yours are ignored), or all when <c>ids</c> is omitted.</summary>
    private static async Task<Ok<UnreadCountDto>> MarkRead(MarkReadRequest? body, Caller caller, IGrainFactory grains)
    {
        if (body?.Ids is { Count: > NotificationLimits.MarkReadIds } ids)
            new Validation().Add("ids", $"Name at most {NotificationLimits.MarkReadIds} notifications at once (got {ids.Count}); omit ids to mark all read.").ThrowIfAny();
        var unread = await grains.GetGrain<INotificationsGrain>(caller.UserId!.Value).MarkRead(body?.Ids);
        return TypedResults.Ok(new UnreadCountDto(unread));
    }
}
