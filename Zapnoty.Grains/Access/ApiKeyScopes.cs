using Zapnoty.Grains.Projects;

namespace Zapnoty.Grains.Access;

/// <summary>What a project API key may do; <c>tickets:read</c>, <c>tickets:write</c>, <c>admin</c> on the wire.</summary>
[GenerateSerializer]
[Alias("Zapnoty.Grains.Access.ApiKeyScope")]
public enum ApiKeyScope { TicketsRead, TicketsWrite, Admin }

/// <summary>
/// Scopes rise like roles, and a key acts with the role of its highest scope: <c>tickets:read</c>
/// sees what a viewer sees, <c>tickets:write</c> also works tickets like support (create, reply,
/// status, customer replies, canned replies), <c>admin</c> also does what an admin does (keys,
/// members, bots, webhooks, settings). One ladder keeps a key's rights those of a person's role,
/// so every route is checked by the same <c>RequiredRole</c>.
/// </summary>
public static class ApiKeyScopes
{
    private static readonly Dictionary<ApiKeyScope, string> Names = new()
    {
        [ApiKeyScope.TicketsRead] = "tickets:read",
        [ApiKeyScope.TicketsWrite] = "tickets:write",
        [ApiKeyScope.Admin] = "admin",
    };

    /// <summary>What a key made without naming scopes gets: it works tickets, it cannot administer.</summary>
    public static readonly IReadOnlyList<ApiKeyScope> Default = [ApiKeyScope.TicketsWrite];

    public static IReadOnlyCollection<string> All => Names.Values;

    // Not named Wire: WireNames.Wire<T> (snake_case, tickets_read) would win the extension lookup.
    public static string NameOf(ApiKeyScope scope) => Names[scope];

    public static IReadOnlyList<string> NamesOf(IEnumerable<ApiKeyScope> scopes) => scopes.Select(NameOf).ToList();

    public static bool TryParse(string? name, out ApiKeyScope scope)
    {
        foreach (var (value, wire) in Names)
            if (string.Equals(wire, name, StringComparison.Ordinal))
            {
                scope = value;
                return true;
            }
        scope = default;
        return false;
    }

    /// <summary>The role a key with these scopes acts with; a key without scopes is read-only.</summary>
    public static ProjectRole RoleOf(IReadOnlyCollection<ApiKeyScope>? scopes) =>
        scopes is null || scopes.Count == 0 ? ProjectRole.Viewer : scopes.Max() switch
        {
            ApiKeyScope.Admin => ProjectRole.Admin,
            ApiKeyScope.TicketsWrite => ProjectRole.Support,
            _ => ProjectRole.Viewer,
        };

    /// <summary>The scopes that act above <paramref name="role"/>: what a person with that role may not hand a key.</summary>
    public static IReadOnlyList<ApiKeyScope> Above(ProjectRole role) =>
        Enum.GetValues<ApiKeyScope>().Where(scope => RoleOf([scope]) > role).ToList();

    /// <summary>Sorted, without repeats, as stored and shown.</summary>
    public static IReadOnlyList<ApiKeyScope> Normalized(IEnumerable<ApiKeyScope> scopes) => scopes.Distinct().Order().ToList();
}
