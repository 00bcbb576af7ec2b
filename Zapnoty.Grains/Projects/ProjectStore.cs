using System.Text.Json;
using Npgsql;
using Zapnoty.Grains.Access;
using Zapnoty.Grains.Channels;
using NpgsqlTypes;
using Zapnoty.Grains.Audit;
using Zapnoty.Grains.Storage;
using Zapnoty.Grains.Team;
using static Zapnoty.Grains.Storage.OneTransaction;

namespace Zapnoty.Grains.Projects;

/// <summary>What a project grain holds in memory, as loaded from Postgres.</summary>
public sealed record ProjectState(
    ProjectView Project,
    HelpdeskSettings Settings,
    List<TicketTypeView> TicketTypes,
    List<MemberView> Members,
    bool Deleted,
    BotTexts BotTexts);

/// <summary>The project row, its ticket types and API keys; every change is written with its audit entry.</summary>
public sealed class ProjectStore(NpgsqlDataSource dataSource)
{
    public async Task<ProjectState?> Load(Guid projectId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                Command("SELECT id, name, slug, created_at, sla_first_reply_hours, sla_resolve_hours, deleted_at IS NOT NULL, bot_texts::text FROM projects WHERE id = $1", projectId),
                Command("SELECT id, name, position, archived_at IS NOT NULL FROM ticket_types WHERE project_id = $1 ORDER BY position, created_at", projectId),
                Command("""
                    SELECT m.id, m.user_id, m.email, m.role, m.added_at, m.removed_at, u.name
                      FROM members m LEFT JOIN users u ON u.id = m.user_id
                     WHERE m.project_id = $1 ORDER BY m.added_at, m.id
                    """, projectId),
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        var project = new ProjectView(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3));
        var settings = new HelpdeskSettings(
            reader.IsDBNull(4) ? null : reader.GetDecimal(4),
            reader.IsDBNull(5) ? null : reader.GetDecimal(5));
        var deleted = reader.GetBoolean(6);
        var botTexts = BotTexts.Default.With(JsonSerializer.Deserialize<Dictionary<string, string?>>(reader.GetString(7)) ?? []);

        await reader.NextResultAsync(cancellationToken);
        var types = new List<TicketTypeView>();
        while (await reader.ReadAsync(cancellationToken))
            types.Add(new TicketTypeView(reader.GetGuid(0), reader.GetString(1), reader.GetInt32(2), reader.GetBoolean(3)));

        await reader.NextResultAsync(cancellationToken);
        var members = new List<MemberView>();
        while (await reader.ReadAsync(cancellationToken))
            members.Add(new MemberView(reader.GetGuid(0), reader.IsDBNull(1) ? null : reader.GetGuid(1), reader.GetString(2),
                WireNames.ParseWire<ProjectRole>(reader.GetString(3)), reader.GetFieldValue<DateTimeOffset>(4),
                reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5), reader.IsDBNull(6) ? null : reader.GetString(6)));

        return new ProjectState(project, settings, types, members, deleted, botTexts);
    }

    /// <summary>Inserts the project and its owner. False when the slug is taken.</summary>
    public async Task<bool> Create(ProjectView project, MemberView owner, CancellationToken cancellationToken)
    {
        try
        {
            await dataSource.Commit(
            [
                Command("INSERT INTO projects (id, name, slug, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)",
                    project.Id, project.Name, project.Slug, project.CreatedAt),
                Command("INSERT INTO members (id, project_id, user_id, email, role, added_at) VALUES ($1, $2, $3, $4, 'owner', $5)",
                    owner.Id, project.Id, owner.UserId, owner.Email, project.CreatedAt),
            ], cancellationToken);
            return true;
        }
        catch (PostgresException e) when (e is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "projects_slug_unique" })
        {
            return false;
        }
    }

    public Task Rename(Guid projectId, string name, AuditEntry audit, CancellationToken cancellationToken) =>
        dataSource.Commit(
        [
            Command("UPDATE projects SET name = $2, updated_at = $3 WHERE id = $1", projectId, name, audit.At),
            AuditWrites.Insert(projectId, audit),
        ], cancellationToken);

    /// <summary>
    /// Soft delete: the project and everything in it stop answering, while tickets, the audit
    /// log and the slug stay reserved for the record. API keys are revoked with it.
    /// </summary>
    public async Task<IReadOnlyList<byte[]>> Delete(Guid projectId, AuditEntry audit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                Command("UPDATE api_keys SET revoked_at = $2 WHERE project_id = $1 AND revoked_at IS NULL RETURNING key_hash", projectId, audit.At),
                Command("UPDATE projects SET deleted_at = $2, updated_at = $2 WHERE id = $1", projectId, audit.At),
                AuditWrites.Insert(projectId, audit),
            },
        };
        var revoked = new List<byte[]>();
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken))
                revoked.Add((byte[])reader[0]);
        await transaction.CommitAsync(cancellationToken);
        return revoked;
    }

    public Task SaveSettings(Guid projectId, HelpdeskSettings settings, AuditEntry audit, CancellationToken cancellationToken) =>
        dataSource.Commit(
        [
            new NpgsqlBatchCommand("UPDATE projects SET sla_first_reply_hours = $2, sla_resolve_hours = $3, updated_at = $4 WHERE id = $1")
            {
                Parameters =
                {
                    new() { Value = projectId },
                    new() { Value = (object?)settings.SlaFirstReplyHours ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Numeric },
                    new() { Value = (object?)settings.SlaResolveHours ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Numeric },
                    new() { Value = audit.At },
                },
            },
            AuditWrites.Insert(projectId, audit),
        ], cancellationToken);

    public Task InsertTicketType(Guid projectId, TicketTypeView type, AuditEntry audit, CancellationToken cancellationToken) =>
        dataSource.Commit(
        [
            Command("INSERT INTO ticket_types (id, project_id, name, position, created_at) VALUES ($1, $2, $3, $4, $5)",
                type.Id, projectId, type.Name, type.Position, audit.At),
            AuditWrites.Insert(projectId, audit),
        ], cancellationToken);

    public Task RenameTicketType(Guid projectId, Guid typeId, string name, AuditEntry audit, CancellationToken cancellationToken) =>
        dataSource.Commit(
        [
            Command("UPDATE ticket_types SET name = $2 WHERE id = $1", typeId, name),
            AuditWrites.Insert(projectId, audit),
        ], cancellationToken);

    /// <summary>
    /// Types are archived, never deleted: tickets keep their type and its name, and a creation
    /// that validated the type a moment earlier still commits.
    /// </summary>
    public Task ArchiveTicketType(Guid projectId, Guid typeId, AuditEntry audit, CancellationToken cancellationToken) =>
        dataSource.Commit(
        [
            Command("UPDATE ticket_types SET archived_at = $2 WHERE id = $1", typeId, audit.At),
            AuditWrites.Insert(projectId, audit),
        ], cancellationToken);

    public Task InsertApiKey(Guid projectId, ApiKeyView key, byte[] keyHash, AuditEntry audit, CancellationToken cancellationToken) =>
        dataSource.Commit(
        [
            new NpgsqlBatchCommand("""
                INSERT INTO api_keys (id, project_id, name, key_hash, key_prefix, created_by, created_at, scopes, expires_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                """)
            {
                Parameters =
                {
                    new() { Value = key.Id }, new() { Value = projectId }, new() { Value = key.Name }, new() { Value = keyHash },
                    new() { Value = key.Prefix }, new() { Value = (object?)key.CreatedBy?.UserId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid },
                    new() { Value = key.CreatedAt }, new() { Value = ApiKeyScopes.NamesOf(key.Scopes).ToArray() },
                    new() { Value = (object?)key.ExpiresAt ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz },
                },
            },
            AuditWrites.Insert(projectId, audit),
        ], cancellationToken);

    /// <summary>Keys that still work: neither revoked nor expired.</summary>
    public async Task<int> CountActiveApiKeys(Guid projectId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT count(*)::int FROM api_keys
             WHERE project_id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)
            """);
        command.Parameters.Add(new() { Value = projectId });
        command.Parameters.Add(new() { Value = now });
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The keys oldest first, the page after <paramref name="after"/>, with who created each.</summary>
    public async Task<IReadOnlyList<ApiKeyView>> ListApiKeys(Guid projectId, ApiKeyPosition? after, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT k.id, k.name, k.key_prefix, k.created_at, k.revoked_at, k.scopes, k.expires_at, k.last_used_at, u.id, u.email, u.name
              FROM api_keys k LEFT JOIN users u ON u.id = k.created_by
             WHERE k.project_id = $1 AND ($2::timestamptz IS NULL OR (k.created_at, k.id) > ($2, $3))
             ORDER BY k.created_at, k.id
             LIMIT $4
            """);
        command.Parameters.Add(new() { Value = projectId });
        command.Parameters.Add(new() { Value = (object?)after?.CreatedAt ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = after?.Id ?? Guid.Empty });
        command.Parameters.Add(new() { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var keys = new List<ApiKeyView>();
        while (await reader.ReadAsync(cancellationToken))
            keys.Add(new ApiKeyView(reader.GetGuid(0), reader.GetString(1), reader.GetString(2),
                reader.GetFieldValue<DateTimeOffset>(3), Optional(reader, 4), AccessStore.ScopesOf(reader.GetFieldValue<string[]>(5)),
                Optional(reader, 6), Optional(reader, 7),
                reader.IsDBNull(8) ? null : new ApiKeyCreator(reader.GetGuid(8), reader.GetString(9), reader.IsDBNull(10) ? null : reader.GetString(10))));
        return keys;

        static DateTimeOffset? Optional(NpgsqlDataReader reader, int column) =>
            reader.IsDBNull(column) ? null : reader.GetFieldValue<DateTimeOffset>(column);
    }

    /// <summary>
    /// Ends a membership, and in the same transaction revokes the API keys that member created
    /// here (each audited), so a departing admin keeps no access through them. Returns the
    /// revoked keys' hashes, so their cached credentials can be dropped.
    /// </summary>
    public Task<IReadOnlyList<byte[]>> RemoveMember(Guid projectId, MemberView member, AuditEntry audit, CancellationToken cancellationToken) =>
        ChangeMember(projectId, Command("UPDATE members SET removed_at = $2 WHERE id = $1 AND removed_at IS NULL", member.Id, audit.At),
            member, Enum.GetValues<ApiKeyScope>(), "creator_removed", audit, cancellationToken);

    /// <summary>
    /// Changes a member's role, and in the same transaction revokes the keys they created with a
    /// scope above the new role, so a demoted admin keeps no admin key.
    /// </summary>
    public Task<IReadOnlyList<byte[]>> ChangeMemberRole(Guid projectId, MemberView member, ProjectRole role, AuditEntry audit, CancellationToken cancellationToken) =>
        ChangeMember(projectId, Command("UPDATE members SET role = $2 WHERE id = $1", member.Id, role.Wire()),
            member, ApiKeyScopes.Above(role), "creator_demoted", audit, cancellationToken);

    private async Task<IReadOnlyList<byte[]>> ChangeMember(Guid projectId, NpgsqlBatchCommand change, MemberView member,
        IReadOnlyList<ApiKeyScope> revokedScopes, string reason, AuditEntry audit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var revokeKeys = new NpgsqlBatchCommand("""
            WITH revoked AS (
                UPDATE api_keys SET revoked_at = $3
                 WHERE project_id = $1 AND created_by = $2 AND revoked_at IS NULL AND scopes && $8::text[]
                RETURNING id, key_hash),
                 audited AS (
                INSERT INTO audit_log (project_id, at, actor_kind, actor_id, action, target_id, details)
                SELECT $1, $3, $4, $5, $6, revoked.id::text, jsonb_build_object('reason', $9::text, 'member_id', $7::text) FROM revoked)
            SELECT key_hash FROM revoked
            """)
        {
            Parameters =
            {
                new() { Value = projectId }, new() { Value = (object?)member.UserId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid },
                new() { Value = audit.At }, new() { Value = audit.Actor.Kind.Wire() },
                new() { Value = (object?)audit.Actor.Id ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
                new() { Value = AuditActions.ApiKeyRevoked }, new() { Value = member.Id.ToString() },
                new() { Value = ApiKeyScopes.NamesOf(revokedScopes).ToArray() }, new() { Value = reason },
            },
        };
        await using var batch = new NpgsqlBatch(connection, transaction) { BatchCommands = { change, AuditWrites.Insert(projectId, audit), revokeKeys } };
        var revoked = new List<byte[]>();
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            // The first two statements return no rows; the reader moves on to the revocation's.
            do
                while (await reader.ReadAsync(cancellationToken))
                    revoked.Add((byte[])reader[0]);
            while (await reader.NextResultAsync(cancellationToken));
        }
        await transaction.CommitAsync(cancellationToken);
        return revoked;
    }

    /// <summary>
    /// Marks an active key revoked and audits it in one statement; returns its hash so the
    /// cached credential can be dropped, or null when the project has no such active key.
    /// </summary>
    public async Task<byte[]?> RevokeApiKey(Guid projectId, Guid keyId, AuditEntry audit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            WITH revoked AS (
                UPDATE api_keys SET revoked_at = $3 WHERE id = $2 AND project_id = $1 AND revoked_at IS NULL
                RETURNING id, key_hash),
                 audited AS (
                INSERT INTO audit_log (project_id, at, actor_kind, actor_id, action, target_id, details)
                SELECT $1, $3, $4, $5, $6, revoked.id::text, $7::jsonb FROM revoked)
            SELECT key_hash FROM revoked
            """);
        command.Parameters.Add(new() { Value = projectId });
        command.Parameters.Add(new() { Value = keyId });
        command.Parameters.Add(new() { Value = audit.At });
        command.Parameters.Add(new() { Value = audit.Actor.Kind.Wire() });
        command.Parameters.Add(new() { Value = (object?)audit.Actor.Id ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = audit.Action });
        command.Parameters.Add(new() { Value = AuditWrites.DetailsJson(audit.Details) });
        return await command.ExecuteScalarAsync(cancellationToken) as byte[];
    }
}
