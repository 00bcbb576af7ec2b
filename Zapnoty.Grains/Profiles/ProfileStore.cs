using Npgsql;
using Zapnoty.Grains.Access;

namespace Zapnoty.Grains.Profiles;

/// <summary>The <c>users</c> row as the person sees it, and the projects that keep a copy of their name.</summary>
public sealed class ProfileStore(NpgsqlDataSource dataSource)
{
    public async Task<UserView?> Find(Guid userId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT email, name FROM users WHERE id = $1");
        command.Parameters.Add(new() { Value = userId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new UserView(userId, reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1))
            : null;
    }

    public async Task Rename(Guid userId, string name, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE users SET name = $2 WHERE id = $1");
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = name });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Every project with a membership of this person, former ones included (they still name
    /// former assignees). Asked after the rename committed, so a membership committed later
    /// reads the new name when its project grain loads or links it.
    /// </summary>
    public async Task<IReadOnlyList<Guid>> ProjectsOf(Guid userId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT DISTINCT project_id FROM members WHERE user_id = $1");
        command.Parameters.Add(new() { Value = userId });
        var projects = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) projects.Add(reader.GetGuid(0));
        return projects;
    }
}
