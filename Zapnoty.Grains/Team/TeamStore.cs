using Npgsql;
using Zapnoty.Grains.Audit;
using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Storage;
using static Zapnoty.Grains.Storage.OneTransaction;

namespace Zapnoty.Grains.Team;

/// <summary>
/// The project's transfer row: the current code and its tries, and the budgets kept across codes
/// (<see cref="Requests"/> since <see cref="RequestsSince"/>, wrong codes since <see cref="FailuresSince"/>).
/// </summary>
public sealed record StoredTransfer(Guid ToMemberId, byte[] CodeHash, int Attempts, DateTimeOffset ExpiresAt, DateTimeOffset? UsedAt,
    int Requests, DateTimeOffset? RequestsSince, int Failures, DateTimeOffset? FailuresSince);

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

    /// <summary>
    /// Stores the hashed code; a new request replaces any earlier one, used or not, and counts
    /// in a window of <paramref name="requestWindow"/> that starts again once it has passed.
    /// </summary>
    public Task SaveTransfer(Guid projectId, Guid toMemberId, Guid requestedBy, byte[] codeHash, DateTimeOffset now,
        DateTimeOffset expiresAt, TimeSpan requestWindow, AuditEntry audit, CancellationToken cancellationToken) =>
        dataSource.Commit(
        [
            Command("""
                INSERT INTO ownership_transfers (project_id, to_member_id, requested_by, code_hash, attempts, created_at, expires_at, requests, requests_since)
                VALUES ($1, $2, $3, $4, 0, $5, $6, 1, $5)
                ON CONFLICT (project_id) DO UPDATE SET to_member_id = EXCLUDED.to_member_id,
                    requested_by = EXCLUDED.requested_by, code_hash = EXCLUDED.code_hash, attempts = 0,
                    created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at, used_at = NULL,
                    requests = CASE WHEN ownership_transfers.requests_since > $7 THEN ownership_transfers.requests + 1 ELSE 1 END,
                    requests_since = CASE WHEN ownership_transfers.requests_since > $7 THEN ownership_transfers.requests_since ELSE EXCLUDED.requests_since END
                """, projectId, toMemberId, requestedBy, codeHash, now, expiresAt, now - requestWindow),
            AuditWrites.Insert(projectId, audit),
        ], cancellationToken);

    public async Task<StoredTransfer?> FindTransfer(Guid projectId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT to_member_id, code_hash, attempts, expires_at, used_at, requests, requests_since, failures, failures_since
              FROM ownership_transfers WHERE project_id = $1
            """);
        command.Parameters.Add(new() { Value = projectId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new StoredTransfer(reader.GetGuid(0), (byte[])reader[1], reader.GetInt32(2), reader.GetFieldValue<DateTimeOffset>(3),
                OptionalTime(reader, 4), reader.GetInt32(5), OptionalTime(reader, 6), reader.GetInt32(7), OptionalTime(reader, 8))
            : null;
    }

    /// <summary>
    /// Counts a wrong code: against this code (at the last allowed try it is used up; true when
    /// it was) and against the project's budget, in a window of <paramref name="failureWindow"/>.
    /// </summary>
    public async Task<bool> CountWrongCode(Guid projectId, int maxAttempts, DateTimeOffset now, TimeSpan failureWindow, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE ownership_transfers
               SET attempts = attempts + 1,
                   used_at = CASE WHEN attempts + 1 >= $2 THEN $3 ELSE used_at END,
                   failures = CASE WHEN failures_since > $4 THEN failures + 1 ELSE 1 END,
                   failures_since = CASE WHEN failures_since > $4 THEN failures_since ELSE $3 END
             WHERE project_id = $1
            RETURNING used_at IS NOT NULL
            """);
        command.Parameters.Add(new() { Value = projectId });
        command.Parameters.Add(new() { Value = maxAttempts });
        command.Parameters.Add(new() { Value = now });
        command.Parameters.Add(new() { Value = now - failureWindow });
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    /// <summary>When the person added members (in any project) since <paramref name="since"/>, oldest first.</summary>
    public async Task<IReadOnlyList<DateTimeOffset>> InvitationsBy(string userId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT at FROM audit_log
             WHERE actor_kind = 'user' AND action = 'member.added' AND actor_id = $1 AND at > $2
             ORDER BY at
            """); // literals, so the partial index audit_log_invitations_by_user applies
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = since });
        var times = new List<DateTimeOffset>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) times.Add(reader.GetFieldValue<DateTimeOffset>(0));
        return times;
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

    private static DateTimeOffset? OptionalTime(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);
}
