using Zapnoty.Grains.Access;

namespace Zapnoty.Grains.Projects;

/// <summary>A project API key as the key list shows it (never the secret).</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Projects.ApiKeyView")]
public sealed record ApiKeyView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Name,
    [property: Id(2)] string Prefix,
    [property: Id(3)] DateTimeOffset CreatedAt,
    [property: Id(4)] DateTimeOffset? RevokedAt,
    [property: Id(5)] IReadOnlyList<ApiKeyScope> Scopes,
    [property: Id(6)] DateTimeOffset? ExpiresAt = null,
    [property: Id(7)] DateTimeOffset? LastUsedAt = null,
    [property: Id(8)] ApiKeyCreator? CreatedBy = null);

/// <summary>The person who created a key (null for keys made by a key before keys could not).</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Projects.ApiKeyCreator")]
public sealed record ApiKeyCreator([property: Id(0)] Guid UserId, [property: Id(1)] string Email, [property: Id(2)] string? Name);

/// <summary>A key to create: only a person (a session) may, and only with the scopes they chose.</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Projects.NewApiKey")]
public sealed record NewApiKey(
    [property: Id(0)] Actor Actor,
    [property: Id(1)] string? Name,
    [property: Id(2)] IReadOnlyList<ApiKeyScope> Scopes,
    [property: Id(3)] DateTimeOffset? ExpiresAt);

/// <summary>Where a page of the key list continues: after this key (oldest first).</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Projects.ApiKeyPosition")]
public sealed record ApiKeyPosition([property: Id(0)] DateTimeOffset CreatedAt, [property: Id(1)] Guid Id);

/// <summary>A new key: the secret is in <see cref="Key"/> and is never shown again.</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Projects.CreatedApiKey")]
public sealed record CreatedApiKey([property: Id(0)] ApiKeyView View, [property: Id(1)] string Key);

public static class ApiKeyLimits
{
    /// <summary>Active (neither revoked nor expired) keys per project: a list an owner can still review.</summary>
    public const int MaxActivePerProject = 50;

    /// <summary>An expiry further out than this is a typo; a key meant to live longer has none.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(5 * 366);
}
