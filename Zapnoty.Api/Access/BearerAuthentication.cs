using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Zapnoty.Api.Problems;
using Zapnoty.Grains.Access;

namespace Zapnoty.Api.Access;

/// <summary>
/// <c>Authorization: Bearer &lt;secret&gt;</c> for both kinds of credential. The secret is
/// resolved by its credential grain; nothing but its hash leaves this handler.
/// </summary>
public sealed class BearerAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IGrainFactory grains,
    IProblemDetailsService problems) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";
    private const string CredentialItem = "zapnoty.credential";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header)) return AuthenticateResult.NoResult();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return AuthenticateResult.Fail("The Authorization header must be 'Bearer <token>'.");

        var secret = header["Bearer ".Length..].Trim();
        if (!secret.StartsWith(Credentials.ApiKeyPrefix, StringComparison.Ordinal) &&
            !secret.StartsWith(Credentials.SessionPrefix, StringComparison.Ordinal))
            return AuthenticateResult.Fail("Unknown kind of token.");

        var seen = ClientSeen.Of(ClientNetwork.Of(Context.Connection.RemoteIpAddress), Request.Headers.UserAgent);
        var credential = await grains.GetGrain<ICredentialGrain>(Credentials.GrainKey(secret)).Resolve(seen);
        if (credential is null) return AuthenticateResult.Fail("The token is unknown, expired or revoked.");

        Context.Items[CredentialItem] = credential;
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, credential.Id.ToString())], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    public static Credential? CredentialOf(HttpContext context) => context.Items[CredentialItem] as Credential;

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var failure = (await HandleAuthenticateOnceSafeAsync()).Failure?.Message;
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = new ProblemDetails
            {
                Status = 401,
                Title = Titles.For(401),
                Detail = failure ?? "Send 'Authorization: Bearer <token>' with a session token or a project API key.",
            },
        });
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = new ProblemDetails { Status = 403, Title = Titles.For(403), Detail = "This credential may not do that." },
        });
    }
}
