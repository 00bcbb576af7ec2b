using Npgsql;

namespace Zapnoty.Grains.Access;

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

    public async Task<Credential?> FindCredential(byte[] hash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT 'session', s.id, s.user_id, u.email, NULL::uuid, s.expires_at
              FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2
            UNION ALL
            SELECT 'api_key', k.id, NULL, NULL, k.project_id, NULL
              FROM api_keys k
             WHERE k.key_hash = $1 AND k.revoked_at IS NULL
            """);
        command.Parameters.Add(new() { Value = hash });
        command.Parameters.Add(new() { Value = now });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        return new Credential(
            reader.GetString(0) == "session" ? CredentialKind.Session : CredentialKind.ApiKey,
            reader.GetGuid(1),
            reader.IsDBNull(2) ? null : reader.GetGuid(2),
            reader.IsDBNull(3) ? null : reader.GetString(3),
            reader.IsDBNull(4) ? null : reader.GetGuid(4),
            reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5));
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
}
