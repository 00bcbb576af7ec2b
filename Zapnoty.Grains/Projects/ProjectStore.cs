using Npgsql;
using NpgsqlTypes;

namespace Zapnoty.Grains.Projects;

/// <summary>What a project grain holds in memory, as loaded from Postgres.</summary>
public sealed record ProjectState(
    ProjectView Project,
    HelpdeskSettings Settings,
    List<TicketTypeView> TicketTypes,
    Dictionary<Guid, ProjectRole> MemberRoles);

public sealed class ProjectStore(NpgsqlDataSource dataSource)
{
    public async Task<ProjectState?> Load(Guid projectId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                Command("SELECT id, name, slug, created_at, sla_first_reply_hours, sla_resolve_hours FROM projects WHERE id = $1", projectId),
                Command("SELECT id, name, position, archived_at IS NOT NULL FROM ticket_types WHERE project_id = $1 ORDER BY position, created_at", projectId),
                Command("SELECT user_id, role FROM members WHERE project_id = $1 AND removed_at IS NULL AND user_id IS NOT NULL", projectId),
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        var project = new ProjectView(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3));
        var settings = new HelpdeskSettings(
            reader.IsDBNull(4) ? null : reader.GetDecimal(4),
            reader.IsDBNull(5) ? null : reader.GetDecimal(5));

        await reader.NextResultAsync(cancellationToken);
        var types = new List<TicketTypeView>();
        while (await reader.ReadAsync(cancellationToken))
            types.Add(new TicketTypeView(reader.GetGuid(0), reader.GetString(1), reader.GetInt32(2), reader.GetBoolean(3)));

        await reader.NextResultAsync(cancellationToken);
        var roles = new Dictionary<Guid, ProjectRole>();
        while (await reader.ReadAsync(cancellationToken))
            roles[reader.GetGuid(0)] = WireNames.ParseWire<ProjectRole>(reader.GetString(1));

        return new ProjectState(project, settings, types, roles);
    }

    /// <summary>Inserts the project and its owner. False when the slug is taken.</summary>
    public async Task<bool> Create(ProjectView project, Guid ownerMemberId, Guid ownerUserId, string ownerEmail, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                Command("INSERT INTO projects (id, name, slug, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)",
                    project.Id, project.Name, project.Slug, project.CreatedAt),
                Command("INSERT INTO members (id, project_id, user_id, email, role, added_at) VALUES ($1, $2, $3, $4, 'owner', $5)",
                    ownerMemberId, project.Id, ownerUserId, ownerEmail, project.CreatedAt),
            },
        };
        try
        {
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException e) when (e is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "projects_slug_unique" })
        {
            return false;
        }
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task SaveSettings(Guid projectId, HelpdeskSettings settings, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE projects SET sla_first_reply_hours = $2, sla_resolve_hours = $3, updated_at = $4 WHERE id = $1");
        command.Parameters.Add(new() { Value = projectId });
        command.Parameters.Add(new() { Value = (object?)settings.SlaFirstReplyHours ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Numeric });
        command.Parameters.Add(new() { Value = (object?)settings.SlaResolveHours ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Numeric });
        command.Parameters.Add(new() { Value = now });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task InsertTicketType(Guid projectId, TicketTypeView type, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = Command(dataSource,
            "INSERT INTO ticket_types (id, project_id, name, position, created_at) VALUES ($1, $2, $3, $4, $5)",
            type.Id, projectId, type.Name, type.Position, now);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task RenameTicketType(Guid typeId, string name, CancellationToken cancellationToken)
    {
        await using var command = Command(dataSource, "UPDATE ticket_types SET name = $2 WHERE id = $1", typeId, name);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Types are archived, never deleted: tickets keep their type and its name, and a creation
    /// that validated the type a moment earlier still commits.
    /// </summary>
    public async Task ArchiveTicketType(Guid typeId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = Command(dataSource, "UPDATE ticket_types SET archived_at = $2 WHERE id = $1", typeId, now);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task InsertApiKey(Guid projectId, ApiKeyView key, byte[] keyHash, Guid? createdBy, CancellationToken cancellationToken)
    {
        await using var command = Command(dataSource,
            "INSERT INTO api_keys (id, project_id, name, key_hash, key_prefix, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            key.Id, projectId, key.Name, keyHash, key.Prefix, (object?)createdBy ?? DBNull.Value, key.CreatedAt);
        if (createdBy is null) command.Parameters[5].NpgsqlDbType = NpgsqlDbType.Uuid;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<ApiKeyView>> ListApiKeys(Guid projectId, CancellationToken cancellationToken)
    {
        await using var command = Command(dataSource,
            "SELECT id, name, key_prefix, created_at, revoked_at FROM api_keys WHERE project_id = $1 ORDER BY created_at", projectId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var keys = new List<ApiKeyView>();
        while (await reader.ReadAsync(cancellationToken))
            keys.Add(new ApiKeyView(reader.GetGuid(0), reader.GetString(1), reader.GetString(2),
                reader.GetFieldValue<DateTimeOffset>(3), reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4)));
        return keys;
    }

    /// <summary>Marks the key revoked; returns its hash so the cached credential can be dropped, or null if unknown.</summary>
    public async Task<byte[]?> RevokeApiKey(Guid projectId, Guid keyId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = Command(dataSource,
            "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $3) WHERE id = $1 AND project_id = $2 RETURNING key_hash",
            keyId, projectId, now);
        return await command.ExecuteScalarAsync(cancellationToken) as byte[];
    }

    private static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
        return command;
    }

    private static NpgsqlCommand Command(NpgsqlDataSource source, string sql, params object[] values)
    {
        var command = source.CreateCommand(sql);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
        return command;
    }
}
