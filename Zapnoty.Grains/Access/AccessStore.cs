using Npgsql;
using NpgsqlTypes;

namespace Zapnoty.Grains.Access;

/// <summary>One of a person's sessions as their session list shows it.</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Access.SessionView")]
public sealed record SessionView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] DateTimeOffset CreatedAt,
    [property: Id(2)] DateTimeOffset ExpiresAt,
    [property: Id(3)] DateTimeOffset? LastSeenAt,
    [property: Id(4)] string? LastNetwork,
    [property: Id(5)] string? LastUserAgent);

/// <summary>Users, login codes, sessions and the credential lookup.</summary>
public sealed class AccessStore(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Consumes the code, creates the user on first login, turns invitations to this address
    /// into memberships, opens a session: one transaction. Returns the projects joined now.
    /// </summary>
    public async Task<(UserView User, IReadOnlyList<Guid> JoinedProjects)> CompleteLogin(string email, byte[] tokenHash, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new("DELETE FROM login_codes WHERE email = $1") { Parameters = { new() { Value = email } } },
                new("""
                    INSERT INTO users (id, email, created_at) VALUES ($1, $2, $3)
                    ON CONFLICT (email) DO UPDATE SET email = EXCLUDED.email
                    RETURNING id, name
                    """)
                {
                    Parameters = { new() { Value = Guid.NewGuid() }, new() { Value = email }, new() { Value = now } },
                },
            },
        };
        Guid userId;
        string? name;
        await using (var user = await batch.ExecuteReaderAsync(cancellationToken))
        {
            await user.ReadAsync(cancellationToken);
            userId = user.GetGuid(0);
            name = user.IsDBNull(1) ? null : user.GetString(1);
        }

        await using var session = new NpgsqlCommand("""
            INSERT INTO sessions (id, token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)
            """, connection, transaction);
        session.Parameters.Add(new() { Value = Guid.NewGuid() });
        session.Parameters.Add(new() { Value = tokenHash });
        session.Parameters.Add(new() { Value = userId });
        session.Parameters.Add(new() { Value = now });
        session.Parameters.Add(new() { Value = expiresAt });
        await session.ExecuteNonQueryAsync(cancellationToken);

        await using var join = new NpgsqlCommand("""
            WITH joined AS (
                UPDATE members SET user_id = $1
                 WHERE email = $2 AND user_id IS NULL AND removed_at IS NULL
                RETURNING id, project_id)
            INSERT INTO audit_log (project_id, at, actor_kind, actor_id, action, target_id, details)
            SELECT project_id, $3, 'user', $1::text, $4, id::text, jsonb_build_object('email', $2::text) FROM joined
            RETURNING project_id
            """, connection, transaction);
        join.Parameters.Add(new() { Value = userId });
        join.Parameters.Add(new() { Value = email });
        join.Parameters.Add(new() { Value = now });
        join.Parameters.Add(new() { Value = Audit.AuditActions.MemberJoined });
        var joined = new List<Guid>();
        await using (var reader = await join.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken))
                joined.Add(reader.GetGuid(0));

        await transaction.CommitAsync(cancellationToken);
        return (new UserView(userId, email, name), joined);
    }

    /// <summary>
    /// What a secret stands for, if it is live. A session's expiry is the earlier of its sliding
    /// expiry and <paramref name="absoluteLifetime"/> after its login; a key's is its own, if any.
    /// </summary>
    public async Task<Credential?> FindCredential(byte[] hash, DateTimeOffset now, TimeSpan absoluteLifetime, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT 'session', s.id, s.user_id, u.email, NULL::uuid, LEAST(s.expires_at, s.created_at + $3), NULL::text[], s.created_at
              FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 AND s.created_at + $3 > $2
            UNION ALL
            SELECT 'api_key', k.id, NULL, NULL, k.project_id, k.expires_at, k.scopes, k.created_at
              FROM api_keys k
             WHERE k.key_hash = $1 AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > $2)
            """);
        command.Parameters.Add(new() { Value = hash });
        command.Parameters.Add(new() { Value = now });
        command.Parameters.Add(new() { Value = absoluteLifetime });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        return new Credential(
            reader.GetString(0) == "session" ? CredentialKind.Session : CredentialKind.ApiKey,
            reader.GetGuid(1),
            reader.IsDBNull(2) ? null : reader.GetGuid(2),
            reader.IsDBNull(3) ? null : reader.GetString(3),
            reader.IsDBNull(4) ? null : reader.GetGuid(4),
            reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
            reader.IsDBNull(6) ? null : ScopesOf(reader.GetFieldValue<string[]>(6)),
            reader.GetFieldValue<DateTimeOffset>(7));
    }

    /// <summary>Unknown names (from a newer version) grant nothing.</summary>
    internal static IReadOnlyList<ApiKeyScope> ScopesOf(string[] names) =>
        ApiKeyScopes.Normalized(names.Select(n => (Known: ApiKeyScopes.TryParse(n, out var scope), scope)).Where(s => s.Known).Select(s => s.scope));

    /// <summary>Records a use: a key's last-used time, a session's last-seen time and client.</summary>
    public async Task Touch(Credential credential, DateTimeOffset now, ClientSeen? seen, CancellationToken cancellationToken)
    {
        await using var command = credential.Kind == CredentialKind.ApiKey
            ? dataSource.CreateCommand("UPDATE api_keys SET last_used_at = $2 WHERE id = $1")
            : dataSource.CreateCommand("""
                UPDATE sessions SET last_seen_at = $2, last_network = COALESCE($3, last_network), last_user_agent = COALESCE($4, last_user_agent)
                 WHERE id = $1
                """);
        command.Parameters.Add(new() { Value = credential.Id });
        command.Parameters.Add(new() { Value = now });
        if (credential.Kind == CredentialKind.Session)
        {
            command.Parameters.Add(new() { Value = (object?)seen?.Network ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new() { Value = (object?)seen?.UserAgent ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        }
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task ExtendSession(Guid sessionId, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE sessions SET expires_at = $2 WHERE id = $1 AND revoked_at IS NULL");
        command.Parameters.Add(new() { Value = sessionId });
        command.Parameters.Add(new() { Value = expiresAt });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task RevokeSession(Guid sessionId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE sessions SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1");
        command.Parameters.Add(new() { Value = sessionId });
        command.Parameters.Add(new() { Value = now });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>A person's live sessions, the most recently used first, at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<SessionView>> ListSessions(Guid userId, DateTimeOffset now, TimeSpan absoluteLifetime, int limit,
        CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT id, created_at, LEAST(expires_at, created_at + $3), last_seen_at, last_network, last_user_agent
              FROM sessions
             WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 AND created_at + $3 > $2
             ORDER BY COALESCE(last_seen_at, created_at) DESC, id
             LIMIT $4
            """);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = now });
        command.Parameters.Add(new() { Value = absoluteLifetime });
        command.Parameters.Add(new() { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var sessions = new List<SessionView>();
        while (await reader.ReadAsync(cancellationToken))
            sessions.Add(new SessionView(reader.GetGuid(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<DateTimeOffset>(2),
                reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5)));
        return sessions;
    }

    /// <summary>
    /// Revokes a person's live sessions: one (<paramref name="sessionId"/>) or all of them. Returns
    /// their token hashes, so their cached credentials can be dropped; empty when none matched.
    /// </summary>
    public async Task<IReadOnlyList<byte[]>> RevokeSessionsOf(Guid userId, Guid? sessionId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE sessions SET revoked_at = $3
             WHERE user_id = $1 AND ($2::uuid IS NULL OR id = $2) AND revoked_at IS NULL AND expires_at > $3
            RETURNING token_hash
            """);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = (object?)sessionId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        command.Parameters.Add(new() { Value = now });
        var hashes = new List<byte[]>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            hashes.Add((byte[])reader[0]);
        return hashes;
    }
}
