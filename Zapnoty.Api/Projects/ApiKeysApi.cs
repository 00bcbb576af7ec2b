using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Zapnoty.Api.Access;
using Zapnoty.Api.Problems;
using Zapnoty.Grains.Access;
using Zapnoty.Grains.Projects;

namespace Zapnoty.Api.Projects;

/// <summary>
/// <c>scopes</c>: any of <c>tickets:read</c>, <c>tickets:write</c>, <c>admin</c> (default
/// <c>["tickets:write"]</c>); <c>expires_at</c>: optional, in the future, within 5 years.
/// </summary>
public sealed record CreateApiKeyRequest(string? Name, IReadOnlyList<string?>? Scopes, DateTimeOffset? ExpiresAt);

/// <summary>The person who created a key.</summary>
public sealed record ApiKeyCreatorDto(Guid Id, string Email, string? Name);

/// <summary>
/// A key as listed: never the secret, only its first characters (<c>prefix</c>). <c>last_used_at</c>
/// is exact to about a minute; <c>created_by</c> is null for keys made by another key before that was refused.
/// </summary>
public sealed record ApiKeyDto(Guid Id, string Name, string Prefix, IReadOnlyList<string> Scopes, DateTime CreatedAt, ApiKeyCreatorDto? CreatedBy,
    DateTime? ExpiresAt, DateTime? LastUsedAt, DateTime? RevokedAt)
{
    public static ApiKeyDto From(ApiKeyView key) => new(key.Id, key.Name, key.Prefix, ApiKeyScopes.NamesOf(key.Scopes),
        key.CreatedAt.UtcDateTime, key.CreatedBy is { } by ? new ApiKeyCreatorDto(by.UserId, by.Email, by.Name) : null,
        key.ExpiresAt?.UtcDateTime, key.LastUsedAt?.UtcDateTime, key.RevokedAt?.UtcDateTime);
}

/// <summary>The secret is in <c>key</c>, shown only in this answer.</summary>
public sealed record CreatedApiKeyDto(Guid Id, string Name, string Key, string Prefix, IReadOnlyList<string> Scopes, DateTime CreatedAt, DateTime? ExpiresAt);

public static class ApiKeysApi
{
    public static RouteGroupBuilder MapApiKeysApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/projects/{projectId:guid}/api-keys").WithTags("API keys").WithProjectAccess();
        api.MapGet("/", List).RequireRole(ProjectRole.Admin);
        api.MapPost("/", Create).RequireRole(ProjectRole.Admin).RequireSession().ProducesProblems(StatusCodes.Status409Conflict);
        api.MapDelete("/{keyId:guid}", Revoke).RequireRole(ProjectRole.Admin).ProducesProblems(StatusCodes.Status404NotFound);
        return api;
    }

    /// <summary>The project's keys, revoked ones included, oldest first; paged with <c>limit</c> and <c>cursor</c>.</summary>
    private static async Task<Ok<Page<ApiKeyDto>>> List(Guid projectId, int? limit, string? cursor, IGrainFactory grains)
    {
        var validation = new Validation();
        var take = Paging.Limit(limit, validation);
        var after = PositionOf(Paging.Decode(cursor, validation), validation);
        validation.ThrowIfAny();

        var keys = await grains.GetGrain<IProjectGrain>(projectId).ListApiKeys(after, take + 1);
        var items = keys.Take(take).ToList();
        var next = keys.Count > take ? Paging.Encode($"{items[^1].CreatedAt.UtcTicks.ToString(CultureInfo.InvariantCulture)}:{items[^1].Id:D}") : null;
        return TypedResults.Ok(new Page<ApiKeyDto>(items.Select(ApiKeyDto.From).ToList(), next));
    }

    /// <summary>
    /// Creates a key that acts on this project with its scopes: <c>tickets:read</c> reads like a
    /// viewer, <c>tickets:write</c> also works tickets like support, <c>admin</c> also manages keys,
    /// members, bots, webhooks and settings like an admin. Only a person can create keys (an API
    /// key gets 403), at most 50 active ones per project (409). The key is shown once.
    /// </summary>
    private static async Task<Created<CreatedApiKeyDto>> Create(Guid projectId, CreateApiKeyRequest body, Caller caller, IGrainFactory grains)
    {
        var validation = new Validation().Required(body.Name, "name");
        var scopes = new List<ApiKeyScope>();
        foreach (var name in body.Scopes ?? ApiKeyScopes.NamesOf(ApiKeyScopes.Default))
            if (ApiKeyScopes.TryParse(name, out var scope)) scopes.Add(scope);
            else validation.Add("scopes", $"Each scope is one of {string.Join(", ", ApiKeyScopes.All)}.");
        if (body.Scopes is { Count: 0 }) validation.Add("scopes", $"Name at least one scope: {string.Join(", ", ApiKeyScopes.All)}.");
        validation.ThrowIfAny();

        var created = await grains.GetGrain<IProjectGrain>(projectId).CreateApiKey(new NewApiKey(caller.Actor, body.Name, scopes, body.ExpiresAt));
        var view = created.View;
        return TypedResults.Created($"/v1/projects/{projectId}/api-keys/{view.Id}", new CreatedApiKeyDto(view.Id, view.Name, created.Key, view.Prefix,
            ApiKeyScopes.NamesOf(view.Scopes), view.CreatedAt.UtcDateTime, view.ExpiresAt?.UtcDateTime));
    }

    /// <summary>Revokes a key; it stops working at once on every silo.</summary>
    private static async Task<NoContent> Revoke(Guid projectId, Guid keyId, Caller caller, IGrainFactory grains)
    {
        await grains.GetGrain<IProjectGrain>(projectId).RevokeApiKey(caller.Actor, keyId);
        return TypedResults.NoContent();
    }

    private static ApiKeyPosition? PositionOf(string? position, Validation validation)
    {
        if (position is null) return null;
        var parts = position.Split(':');
        if (parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            && ticks > 0 && ticks <= DateTimeOffset.MaxValue.UtcTicks && Guid.TryParse(parts[1], out var id))
            return new ApiKeyPosition(new DateTimeOffset(ticks, TimeSpan.Zero), id);
        validation.Add("cursor", "The cursor is not one this API handed out.");
        return null;
    }
}
