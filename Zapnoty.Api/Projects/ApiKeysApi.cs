using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Zapnoty.Api.Access;
using Zapnoty.Api.Problems;
using Zapnoty.Grains.Projects;

namespace Zapnoty.Api.Projects;

public sealed record CreateApiKeyRequest(string? Name);

public sealed record ApiKeyDto(Guid Id, string Name, string Prefix, DateTime CreatedAt, DateTime? RevokedAt)
{
    public static ApiKeyDto From(ApiKeyView key) => new(key.Id, key.Name, key.Prefix, key.CreatedAt.UtcDateTime, key.RevokedAt?.UtcDateTime);
}

/// <summary>The secret is in <c>key</c>, shown only in this answer.</summary>
public sealed record CreatedApiKeyDto(Guid Id, string Name, string Key, string Prefix, DateTime CreatedAt);

public static class ApiKeysApi
{
    public static RouteGroupBuilder MapApiKeysApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/projects/{projectId}/api-keys").WithTags("API keys").WithProjectAccess();
        api.MapGet("/", List).RequireRole(ProjectRole.Admin);
        api.MapPost("/", Create).RequireRole(ProjectRole.Admin);
        api.MapDelete("/{keyId}", Revoke).RequireRole(ProjectRole.Admin);
        return api;
    }

    private static async Task<Ok<Page<ApiKeyDto>>> List(Guid projectId, IGrainFactory grains)
    {
        var keys = await grains.GetGrain<IProjectGrain>(projectId).ListApiKeys();
        return TypedResults.Ok(new Page<ApiKeyDto>(keys.Select(ApiKeyDto.From).ToList(), null));
    }

    /// <summary>Creates a key that acts on this project with admin rights. The key is shown once.</summary>
    private static async Task<Created<CreatedApiKeyDto>> Create(Guid projectId, CreateApiKeyRequest body, Caller caller, IGrainFactory grains)
    {
        new Validation().Required(body.Name, "name").ThrowIfAny();
        var created = await grains.GetGrain<IProjectGrain>(projectId).CreateApiKey(caller.Actor, body.Name!);
        return TypedResults.Created($"/v1/projects/{projectId}/api-keys/{created.View.Id}",
            new CreatedApiKeyDto(created.View.Id, created.View.Name, created.Key, created.View.Prefix, created.View.CreatedAt.UtcDateTime));
    }

    private static async Task<NoContent> Revoke(Guid projectId, Guid keyId, Caller caller, IGrainFactory grains)
    {
        await grains.GetGrain<IProjectGrain>(projectId).RevokeApiKey(caller.Actor, keyId);
        return TypedResults.NoContent();
    }
}
