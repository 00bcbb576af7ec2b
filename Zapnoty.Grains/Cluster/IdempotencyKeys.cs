using Npgsql;
using NpgsqlTypes;

namespace Zapnoty.Grains.Cluster;

/// <summary>A stored key: what it was sent with and what its write created.</summary>
public sealed record StoredKey(string Fingerprint, Guid TicketId, Guid? MessageId);

/// <summary>The <c>idempotency_keys</c> table (migration 0016): keys stored with their writes.</summary>
public sealed class IdempotencyKeys(NpgsqlDataSource dataSource)
{
    private const string PrimaryKey = "idempotency_keys_pkey";

    /// <summary>The live key <paramref name="key"/> of the project, or null (never stored, or expired).</summary>
    public async Task<StoredKey?> Find(Guid projectId, string key, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT fingerprint, ticket_id, message_id FROM idempotency_keys WHERE project_id = $1 AND key = $2 AND expires_at > $3");
        command.Parameters.Add(new() { Value = projectId });
        command.Parameters.Add(new() { Value = key });
        command.Parameters.Add(new() { Value = now });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new StoredKey(reader.GetString(0), reader.GetGuid(1), reader.IsDBNull(2) ? null : reader.GetGuid(2))
            : null;
    }

    /// <summary>
    /// The statements that store the keys with a write, for its transaction: an expired row of the
    /// same key goes first, then the insert fails (<see cref="IsTaken"/>) when the key is live.
    /// </summary>
    public static IEnumerable<NpgsqlBatchCommand> Claim(Guid projectId, IReadOnlyList<(WriteKey Key, Guid TicketId, Guid? MessageId)> writes, DateTimeOffset now)
    {
        if (writes.Count == 0) yield break;
        var keys = writes.Select(w => w.Key.Key).ToArray();
        yield return new NpgsqlBatchCommand("DELETE FROM idempotency_keys WHERE project_id = $1 AND key = ANY($2) AND expires_at <= $3")
        {
            Parameters = { new() { Value = projectId }, new() { Value = keys }, new() { Value = now } },
        };
        yield return new NpgsqlBatchCommand("""
            INSERT INTO idempotency_keys (project_id, key, fingerprint, ticket_id, message_id, created_at, expires_at)
            SELECT $1, k.key, k.fingerprint, k.ticket_id, k.message_id, $5, k.expires_at
              FROM unnest($2::text[], $3::text[], $4::uuid[], $6::uuid[], $7::timestamptz[]) AS k(key, fingerprint, ticket_id, message_id, expires_at)
            """)
        {
            Parameters =
            {
                new() { Value = projectId },
                new() { Value = keys },
                new() { Value = writes.Select(w => w.Key.Fingerprint).ToArray() },
                new() { Value = writes.Select(w => w.TicketId).ToArray() },
                new() { Value = now },
                new() { Value = writes.Select(w => w.MessageId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
                new() { Value = writes.Select(w => now + w.Key.Lifetime).ToArray() },
            },
        };
    }

    /// <summary>The write failed because its key is already stored: a repeat, or the API's own retry of a write that ran.</summary>
    public static bool IsTaken(PostgresException e) => e is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: PrimaryKey };

    /// <summary>Deletes up to <paramref name="limit"/> expired keys; how many it deleted.</summary>
    public async Task<int> Prune(DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            DELETE FROM idempotency_keys
             WHERE ctid = ANY (ARRAY(SELECT ctid FROM idempotency_keys WHERE expires_at <= $1 LIMIT $2))
            """);
        command.Parameters.Add(new() { Value = now });
        command.Parameters.Add(new() { Value = limit });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>A key names one request: sent again with another method, path or body, it is refused (422).</summary>
    public static void RequireSameRequest(StoredKey stored, WriteKey key)
    {
        if (stored.Fingerprint != key.Fingerprint) throw KeyReused();
    }

    public static DomainException KeyReused() => new(DomainErrorKind.Unprocessable,
        "This Idempotency-Key was already used for a different request (another method, path or body); a key names one request. Use a new key.",
        "Idempotency-Key");
}
