using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Zapnoty.Api.Access;
using Zapnoty.Api.Problems;
using Zapnoty.Grains;
using Zapnoty.Grains.Channels.StaffGroup;
using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Secrets;
using Zapnoty.Grains.Storage;

namespace Zapnoty.Api.Channels;

/// <summary>The code that links the group in which you sent <c>/link &lt;code&gt;</c>.</summary>
public sealed record LinkStaffGroupRequest(string? Code);

/// <summary>
/// The project's Telegram staff group: its chat id and title, when it was linked, and whether
/// the link is broken (the bot was removed or demoted: <c>broken_reason</c> says which).
/// </summary>
public sealed record StaffGroupDto(string ChatId, string? Title, DateTime LinkedAt, bool Broken, DateTime? BrokenAt, string? BrokenReason)
{
    public static StaffGroupDto From(StaffGroupView g) =>
        new(g.ChatId, g.Title, g.LinkedAt.UtcDateTime, g.BrokenAt is not null, g.BrokenAt?.UtcDateTime, g.BrokenReason);
}

/// <summary>A one-time code: send <c>/link &lt;code&gt;</c> in the staff group before <c>expires_at</c>.</summary>
public sealed record TelegramLinkCodeDto(string Code, DateTime ExpiresAt);

public static class StaffGroupApi
{
    public static IEndpointRouteBuilder MapStaffGroupApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/projects/{projectId:guid}/channels/telegram/staff-group").WithTags("Channels").WithProjectAccess();
        api.MapGet("/", Get).ProducesProblems(StatusCodes.Status404NotFound);
        api.MapPut("/", Link).RequireRole(ProjectRole.Admin).RequireSession().ProducesProblems(StatusCodes.Status404NotFound);
        api.MapDelete("/", Unlink).RequireRole(ProjectRole.Admin).ProducesProblems(StatusCodes.Status404NotFound);
        app.MapPost("/v1/me/telegram-link", NewCode).WithTags("Channels").WithProjectAccess().RequireSession();
        return app;
    }

    /// <summary>The linked staff group. None linked: 404.</summary>
    private static async Task<Ok<StaffGroupDto>> Get(Guid projectId, IGrainFactory grains) =>
        TypedResults.Ok(StaffGroupDto.From(await grains.GetGrain<IStaffGroupGrain>(projectId).Get()
            ?? throw DomainException.NotFound("The project has no Telegram staff group linked.")));

    /// <summary>
    /// Links the forum supergroup in which you sent <c>/link &lt;code&gt;</c> (your own code, from
    /// <c>POST /v1/me/telegram-link</c>) through the project's bot; replaces a group linked before.
    /// Each new ticket then opens a topic there. The code is used up.
    /// </summary>
    private static async Task<Ok<StaffGroupDto>> Link(Guid projectId, LinkStaffGroupRequest body, Caller caller, IGrainFactory grains)
    {
        new Validation().Required(body.Code, "code").MaxLength(body.Code, 64, "code").ThrowIfAny();
        return TypedResults.Ok(StaffGroupDto.From(await grains.GetGrain<IStaffGroupGrain>(projectId).Link(caller.Actor, caller.UserId!.Value, body.Code!)));
    }

    /// <summary>Unlinks the staff group: nothing more is posted there, and nothing said there reaches customers.</summary>
    private static async Task<NoContent> Unlink(Guid projectId, Caller caller, IGrainFactory grains)
    {
        await grains.GetGrain<IStaffGroupGrain>(projectId).Unlink(caller.Actor);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// A one-time code (15 minutes) to link your Telegram account: send <c>/link &lt;code&gt;</c> in
    /// the staff group, and what you write there is attributed to you. Only its hash is stored.
    /// </summary>
    private static async Task<Ok<TelegramLinkCodeDto>> NewCode(Caller caller, StaffGroupStore store, TimeProvider clock, CancellationToken cancellationToken)
    {
        var code = StaffGroupGrain.NewCode();
        var now = clock.StoredNow();
        await store.NewCode(caller.UserId!.Value, SecretHash.Of(code), now, cancellationToken);
        return TypedResults.Ok(new TelegramLinkCodeDto(code, (now + StaffGroupLimits.CodeLifetime).UtcDateTime));
    }
}
