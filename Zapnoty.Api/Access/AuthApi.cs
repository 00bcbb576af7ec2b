using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Zapnoty.Api.Problems;
using Zapnoty.Grains.Access;
using Zapnoty.Grains.Profiles;

namespace Zapnoty.Api.Access;

public sealed record LoginRequest(string? Email);
public sealed record VerifyRequest(string? Email, string? Code);
public sealed record ChangeMeRequest(string? Name);

/// <summary>A person; <c>name</c> is their display name (null until they set one).</summary>
public sealed record UserDto(Guid Id, string Email, string? Name)
{
    public static UserDto From(UserView user) => new(user.Id, user.Email, user.Name);
}

public sealed record SessionDto(string Token, UserDto User, DateTime ExpiresAt);

public static class AuthApi
{
    public static RouteGroupBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/auth").WithTags("Authentication");
        api.MapPost("/login", Login).ProducesProblems(StatusCodes.Status429TooManyRequests);
        api.MapPost("/verify", Verify).ProducesProblems(StatusCodes.Status429TooManyRequests);
        // Only a person has a session to end and a self to show; API keys get a 403 like anywhere else.
        api.MapPost("/logout", Logout).WithProjectAccess().RequireSession();
        api.MapGet("/me", Me).WithProjectAccess().RequireSession();
        api.MapPatch("/me", ChangeMe).WithProjectAccess().RequireSession();
        return api;
    }

    /// <summary>
    /// Emails an 8-digit login code (valid 10 minutes). The answer is the same whether or not the
    /// address has an account. Too many requests from one network, for one address from one
    /// network, or for one address from networks it never logged in from answer 429 with
    /// <c>Retry-After</c>; the code already sent stays valid.
    /// </summary>
    private static async Task<Accepted> Login(LoginRequest body, HttpContext http, IGrainFactory grains)
    {
        var email = EmailAddress.Normalized(body.Email);
        await grains.GetGrain<ILoginGrain>(email).RequestCode(ClientNetwork.Of(http.Connection.RemoteIpAddress));
        return TypedResults.Accepted((string?)null);
    }

    /// <summary>
    /// Exchanges the emailed code for a session token (<c>Authorization: Bearer zs_...</c>).
    /// Wrong codes count per address and network across codes: after 3 each one doubles the wait
    /// (from 1 s), after 10 in 24 hours that network is refused for the address until the day is
    /// over, and networks the address never logged in from share 20 a day. Those refusals and
    /// too many attempts from one network answer 429 with <c>Retry-After</c>.
    /// </summary>
    private static async Task<Ok<SessionDto>> Verify(VerifyRequest body, HttpContext http, IGrainFactory grains)
    {
        var validation = new Validation().Required(body.Code, "code");
        var email = EmailAddress.Normalized(body.Email);
        if (body.Code is not null && !OneTimeCode.IsWellFormed(body.Code))
            validation.Add("code", $"The code is {OneTimeCode.Digits} digits.");
        validation.ThrowIfAny();

        var session = await grains.GetGrain<ILoginGrain>(email).Verify(body.Code!, ClientNetwork.Of(http.Connection.RemoteIpAddress));
        return TypedResults.Ok(new SessionDto(session.Token, UserDto.From(session.User), session.ExpiresAt.UtcDateTime));
    }

    /// <summary>Revokes the session used for this call.</summary>
    private static async Task<NoContent> Logout(HttpContext http, IGrainFactory grains)
    {
        var secret = http.Request.Headers.Authorization.ToString()["Bearer ".Length..].Trim();
        await grains.GetGrain<ICredentialGrain>(Credentials.GrainKey(secret)).Revoke();
        return TypedResults.NoContent();
    }

    /// <summary>The signed-in person; their <c>id</c> is what <c>assignee_id</c> takes.</summary>
    private static async Task<Ok<UserDto>> Me(Caller caller, IGrainFactory grains) =>
        TypedResults.Ok(UserDto.From(await grains.GetGrain<IProfileGrain>(caller.UserId!.Value).Get()));

    /// <summary>
    /// Sets your display name (trimmed, 1–80 characters, one line): the team list, ticket
    /// assignees and <c>{{agent.name}}</c> in canned replies show it from the next request on.
    /// </summary>
    private static async Task<Ok<UserDto>> ChangeMe(ChangeMeRequest body, Caller caller, IGrainFactory grains)
    {
        new Validation().Required(body.Name, "name").ThrowIfAny();
        return TypedResults.Ok(UserDto.From(await grains.GetGrain<IProfileGrain>(caller.UserId!.Value).Rename(body.Name)));
    }
}
