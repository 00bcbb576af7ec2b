using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Zapnoty.Api.Problems;
using Zapnoty.Grains.Access;

namespace Zapnoty.Api.Access;

/// <summary>
/// One of your sessions. <c>last_seen_at</c>, <c>last_network</c> (an IPv4 address or an IPv6 /64)
/// and <c>last_user_agent</c> are written at most once a minute; <c>current</c> marks the session
/// making this call. <c>expires_at</c> is 30 days after the last use, but never more than 90 days after the login.
/// </summary>
public sealed record SessionInfoDto(Guid Id, DateTime CreatedAt, DateTime ExpiresAt, DateTime? LastSeenAt, string? LastNetwork, string? LastUserAgent,
    bool Current);

/// <summary>Your sessions: review where you are signed in and end sessions (finding 18).</summary>
public static class SessionsApi
{
    public static RouteGroupBuilder MapSessionsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/auth").WithTags("Authentication");
        api.MapGet("/sessions", List).WithProjectAccess().RequireSession();
        api.MapDelete("/sessions/{sessionId:guid}", Revoke).WithProjectAccess().RequireSession()
            .ProducesProblems(StatusCodes.Status404NotFound);
        api.MapPost("/logout-everywhere", LogoutEverywhere).WithProjectAccess().RequireSession();
        return api;
    }

    /// <summary>Your live sessions, the most recently used first (at most 100).</summary>
    private static async Task<Ok<Page<SessionInfoDto>>> List(Caller caller, IGrainFactory grains)
    {
        var sessions = await Sessions(caller, grains).List();
        return TypedResults.Ok(new Page<SessionInfoDto>(sessions.Select(s => new SessionInfoDto(s.Id, s.CreatedAt.UtcDateTime, s.ExpiresAt.UtcDateTime,
            s.LastSeenAt?.UtcDateTime, s.LastNetwork, s.LastUserAgent, s.Id == caller.Credential.Id)).ToList(), null));
    }

    /// <summary>Ends one of your sessions (this one too, if you name it); it stops working at once.</summary>
    private static async Task<NoContent> Revoke(Guid sessionId, Caller caller, IGrainFactory grains)
    {
        await Sessions(caller, grains).Revoke(sessionId);
        return TypedResults.NoContent();
    }

    /// <summary>Ends every one of your sessions, this one included: sign in again afterwards.</summary>
    private static async Task<NoContent> LogoutEverywhere(Caller caller, IGrainFactory grains)
    {
        await Sessions(caller, grains).RevokeAll();
        return TypedResults.NoContent();
    }

    private static ISessionsGrain Sessions(Caller caller, IGrainFactory grains) => grains.GetGrain<ISessionsGrain>(caller.UserId!.Value);
}
