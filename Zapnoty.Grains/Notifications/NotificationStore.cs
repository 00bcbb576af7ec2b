using Npgsql;
using NpgsqlTypes;

namespace Zapnoty.Grains.Notifications;

/// <summary>
/// The notifications table. Every read shows only notifications of projects the person is still
/// a member of (and that still exist): a removed member's rows stay but are never shown, counted
/// or emailed, so nothing of a project they left reaches them.
/// </summary>
public sealed class NotificationStore(NpgsqlDataSource dataSource)
{
    // The excerpt's 200 is NotificationLimits.ExcerptLength (a constant string cannot embed an int).
    private const string Select = """
        SELECT n.id, n.kind, n.project_id, p.name, n.ticket_id, t.number, t.subject, n.message_id,
               left(m.text, 200), n.actor_kind, n.actor_id, coalesce(u.name, u.email, k.name, r.name),
               n.created_at, n.read_at
          FROM notifications n
          JOIN projects p ON p.id = n.project_id
          JOIN tickets t ON t.id = n.ticket_id
          LEFT JOIN ticket_messages m ON m.id = n.message_id
          LEFT JOIN users u ON n.actor_kind = 'user' AND u.id = n.actor_id
          LEFT JOIN api_keys k ON n.actor_kind = 'api_key' AND k.id = n.actor_id
          LEFT JOIN helpdesk_rules r ON n.actor_kind = 'system' AND r.id = n.actor_id
        """;

    /// <summary>Of a project the person ($1) still belongs to, and that was not deleted.</summary>
    private const string StillMember = """
        p.deleted_at IS NULL
        AND EXISTS (SELECT 1 FROM members mb WHERE mb.project_id = n.project_id AND mb.user_id = $1 AND mb.removed_at IS NULL)
        """;

    /// <summary>
    /// The notifications of person $1 newest first, after notification $2 (from the start when
    /// null), $3 of them; then the unread count.
    /// </summary>
    public async Task<NotificationPage> List(Guid userId, Guid? after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand($"""
                    {Select}
                     WHERE n.user_id = $1 AND {StillMember}
                       AND ($2::uuid IS NULL OR (n.created_at, n.id) < (SELECT c.created_at, c.id FROM notifications c WHERE c.id = $2 AND c.user_id = $1))
                     ORDER BY n.created_at DESC, n.id DESC
                     LIMIT $3
                    """)
                {
                    Parameters =
                    {
                        new() { Value = userId },
                        new() { Value = (object?)after ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid },
                        new() { Value = limit + 1 },
                    },
                },
                UnreadCommand(userId),
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var items = await Read(reader, cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var unread = (int)reader.GetInt64(0);
        var more = items.Count > limit;
        return new NotificationPage(more ? items[..limit] : items, more, unread);
    }

    /// <summary>Whether notification <paramref name="id"/> is one of the person's (a cursor must be).</summary>
    public async Task<bool> Exists(Guid userId, Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM notifications WHERE id = $2 AND user_id = $1)");
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = id });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<int> UnreadCount(Guid userId, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(UnreadCommand(userId));
        return (int)(long)(await batch.ExecuteScalarAsync(cancellationToken))!;
    }

    private static NpgsqlBatchCommand UnreadCommand(Guid userId) => new($"""
        SELECT count(*) FROM notifications n JOIN projects p ON p.id = n.project_id
         WHERE n.user_id = $1 AND n.read_at IS NULL AND {StillMember}
        """) { Parameters = { new() { Value = userId } } };

    /// <summary>Marks the person's unread notifications read: those named, or all of them when <paramref name="ids"/> is null.</summary>
    public async Task MarkRead(Guid userId, IReadOnlyList<Guid>? ids, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE notifications SET read_at = $2
             WHERE user_id = $1 AND read_at IS NULL AND ($3::uuid[] IS NULL OR id = ANY ($3))
            """);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = now });
        command.Parameters.Add(new() { Value = (object?)ids?.ToArray() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Unread notifications no email covered yet, made since <paramref name="since"/>, oldest first.</summary>
    public async Task<IReadOnlyList<NotificationView>> Unemailed(Guid userId, DateTimeOffset since, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            {Select}
             WHERE n.user_id = $1 AND n.read_at IS NULL AND n.emailed_at IS NULL AND n.created_at > $2 AND {StillMember}
             ORDER BY n.created_at, n.id
             LIMIT $3
            """);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = since });
        command.Parameters.Add(new() { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await Read(reader, cancellationToken);
    }

    /// <summary>
    /// Marks every unread, un-emailed notification of the person up to <paramref name="upTo"/> as
    /// covered by the email sent at <paramref name="now"/>.
    /// </summary>
    public async Task MarkEmailed(Guid userId, DateTimeOffset upTo, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE notifications SET emailed_at = $3 WHERE user_id = $1 AND emailed_at IS NULL AND read_at IS NULL AND created_at <= $2");
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = upTo });
        command.Parameters.Add(new() { Value = now });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>When the person was last emailed about notifications (the rate limit survives restarts and moves).</summary>
    public async Task<DateTimeOffset?> LastEmailedAt(Guid userId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT max(emailed_at) FROM notifications WHERE user_id = $1");
        command.Parameters.Add(new() { Value = userId });
        return await command.ExecuteScalarAsync(cancellationToken) is DateTime at ? new DateTimeOffset(at, TimeSpan.Zero) : null;
    }

    /// <summary>The person's email, and whether one of their live sessions was used since <paramref name="since"/>.</summary>
    public async Task<(string Email, bool Active)?> Recipient(Guid userId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT u.email, EXISTS (SELECT 1 FROM sessions s WHERE s.user_id = u.id AND s.revoked_at IS NULL AND s.last_seen_at > $2)
              FROM users u WHERE u.id = $1
            """);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = since });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetString(0), reader.GetBoolean(1)) : null;
    }

    private static async Task<List<NotificationView>> Read(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var items = new List<NotificationView>();
        while (await reader.ReadAsync(cancellationToken))
            items.Add(new NotificationView(
                reader.GetGuid(0), reader.GetString(1), reader.GetGuid(2), reader.GetString(3), reader.GetGuid(4), reader.GetInt64(5),
                reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetGuid(7), reader.IsDBNull(8) ? null : reader.GetString(8),
                new Actor(WireNames.ParseWire<ActorKind>(reader.GetString(9)), reader.IsDBNull(10) ? null : reader.GetGuid(10).ToString()),
                reader.IsDBNull(11) ? null : reader.GetString(11),
                reader.GetFieldValue<DateTimeOffset>(12), reader.IsDBNull(13) ? null : reader.GetFieldValue<DateTimeOffset>(13)));
        return items;
    }
}

/// <summary>The insert that joins the transaction of the note or assignment a notification is about.</summary>
public static class NotificationWrites
{
    public static NpgsqlBatchCommand Insert(IReadOnlyList<Guid> userIds, string kind, Guid projectId, Guid ticketId, Guid? messageId, Actor actor,
        DateTimeOffset at) => new("""
        INSERT INTO notifications (id, user_id, project_id, ticket_id, message_id, kind, actor_kind, actor_id, created_at)
        SELECT gen_random_uuid(), u, $2, $3, $4, $5, $6, $7, $8 FROM unnest($1::uuid[]) AS u
        """)
    {
        Parameters =
        {
            new() { Value = userIds.ToArray() },
            new() { Value = projectId },
            new() { Value = ticketId },
            new() { Value = (object?)messageId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid },
            new() { Value = kind },
            new() { Value = actor.Kind.Wire() },
            new() { Value = Guid.TryParse(actor.Id, out var id) ? id : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid },
            new() { Value = at },
        },
    };
}
