using Npgsql;
using Zapnoty.Grains.Audit;
using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Storage;
using static Zapnoty.Grains.Storage.OneTransaction;

namespace Zapnoty.Grains.Team;

public sealed record StoredTransfer(Guid ToMemberId, byte[] CodeHash, int Attempts, DateTimeOffset ExpiresAt, DateTimeOffset? UsedAt);

/// <summary>Members and ownership transfers; every change is written with its audit entry.</summary>
public sealed class TeamStore(NpgsqlDataSource dataSource)
{
    /// <summary>Adds the member; an existing account with that email is linked at once. Returns its user id, if any.</summary>
    public async Task<Guid?> AddMember(Guid projectId, MemberView member, AuditEntry audit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                Command("""
                    INSERT INTO members (id, project_id, user_id, email, role, added_at)
                    VALUES ($1, $2, (SELECT id FROM users WHERE email = $3), $3, $4, $5)
                    RETURNING user_id
                    """, member.Id, projectId, member.Email, member.Role.Wire(), member.AddedAt),
                AuditWrites.Insert(projectId, audit),
            },
        };
        var userId = await batch.ExecuteScalarAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return userId as Guid?;
    }

    /// <summary>
    /// A member's display name, read after their membership committed: a rename committed
    /// before this read is seen here, and one committed after it finds the membership and tells the grain.
    /// </summary>
    public async Task<string?> NameOf(Guid userId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT name FROM users WHERE id = $1");
        command.Parameters.Add(new() { Value = userId });
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    /// <summary>Stores the hashed code; a new request replaces any earlier one, used or not.</summary>
    public Task SaveTransfer(Guid projectId, Guid toMemberId, Guid requestedBy, byte[] codeHash, DateTimeOffset now,
        DateTimeOffset expiresAt, AuditEntry audit, CancellationToken cancellationToken) =>
        dataSource.Commit(
        [
            Command("""
                INSERT INTO ownership_transfers (project_id, to_member_id, requested_by, code_hash, attempts, created_at, expires_at)
                VALUES ($1, $2, $3, $4, 0, $5, $6)
                ON CONFLICT (project_id) DO UPDATE SET to_member_id = EXCLUDED.to_member_id,
                    requested_by = EXCLUDED.requested_by, code_hash = EXCLUDED.code_hash, attempts = 0,
                    created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at, used_at = NULL
                """, projectId, toMemberId, requestedBy, codeHash, now, expiresAt),
            AuditWrites.Insert(projectId, audit),
        ], cancellationToken);

    public async Task<StoredTransfer?> FindTransfer(Guid projectId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT to_member_id, code_hash, attempts, expires_at, used_at FROM ownership_transfers WHERE project_id = $1");
        command.Parameters.Add(new() { Value = projectId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new StoredTransfer(reader.GetGuid(0), (byte[])reader[1], reader.GetInt32(2), reader.GetFieldValue<DateTimeOffset>(3),
                reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4))
            : null;
    }

    /// <summary>Counts a wrong code; at the last allowed try the transfer is used up. True when it was.</summary>
    public async Task<bool> CountWrongCode(Guid projectId, int maxAttempts, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE ownership_transfers
               SET attempts = attempts + 1,
                   used_at = CASE WHEN attempts + 1 >= $2 THEN $3 ELSE used_at END
             WHERE project_id = $1
            RETURNING used_at IS NOT NULL
            """);
        command.Parameters.Add(new() { Value = projectId });
        command.Parameters.Add(new() { Value = maxAttempts });
        command.Parameters.Add(new() { Value = now });
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    /// <summary>Uses the code and swaps the two roles in one transaction.</summary>
    public Task CompleteTransfer(Guid projectId, Guid newOwnerId, Guid oldOwnerId, DateTimeOffset now, AuditEntry audit, CancellationToken cancellationToken) =>
        dataSource.Commit(
        [
            Command("UPDATE ownership_transfers SET used_at = $2 WHERE project_id = $1", projectId, now),
            // Demote first: there is never a moment with two owners.
            Command("UPDATE members SET role = 'admin' WHERE id = $1", oldOwnerId),
            Command("UPDATE members SET role = 'owner' WHERE id = $1", newOwnerId),
            AuditWrites.Insert(projectId, audit),
        ], cancellationToken);
}
