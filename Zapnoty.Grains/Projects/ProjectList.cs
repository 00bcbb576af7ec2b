using Npgsql;

namespace Zapnoty.Grains.Projects;

/// <summary>A project a person belongs to, with their role in it.</summary>
public sealed record MembershipView(ProjectView Project, ProjectRole Role);

/// <summary>
/// The projects a person is a member of: a query over the members table, never a fan-out over
/// project grains. Keyset-paginated on the project id, so pages stay stable while projects are added.
/// </summary>
public sealed class ProjectList(NpgsqlDataSource dataSource)
{
    /// <summary>Up to <paramref name="limit"/> live projects of <paramref name="userId"/> with ids above <paramref name="afterId"/>, by id.</summary>
    public async Task<IReadOnlyList<MembershipView>> Of(Guid userId, Guid afterId, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT p.id, p.name, p.slug, p.created_at, m.role
              FROM members m JOIN projects p ON p.id = m.project_id
             WHERE m.user_id = $1 AND m.removed_at IS NULL AND p.deleted_at IS NULL AND p.id > $2
             ORDER BY p.id
             LIMIT $3
            """);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = afterId });
        command.Parameters.Add(new() { Value = limit });
        var projects = new List<MembershipView>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            projects.Add(new MembershipView(
                new ProjectView(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3)),
                WireNames.ParseWire<ProjectRole>(reader.GetString(4))));
        return projects;
    }
}
