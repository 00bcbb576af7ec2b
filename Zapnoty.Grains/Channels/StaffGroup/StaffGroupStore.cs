using Npgsql;
using Zapnoty.Grains.Audit;
using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Storage;
using static Zapnoty.Grains.Storage.OneTransaction;

namespace Zapnoty.Grains.Channels.StaffGroup;

/// <summary>The staff group's rows: link codes, linked Telegram accounts, the linked group and its topics.</summary>
public sealed class StaffGroupStore(NpgsqlDataSource dataSource)
{
    /// <summary>A new one-time code of the user (only its hash is stored); their older unused codes stop working.</summary>
    public Task NewCode(Guid userId, string codeHash, DateTimeOffset now, CancellationToken cancellationToken) =>
        dataSource.Commit(
        [
            Command("DELETE FROM telegram_link_codes WHERE user_id = $1 AND (used_at IS NOT NULL OR sent_chat_id IS NULL OR expires_at < $2)", userId, now),
            Command("INSERT INTO telegram_link_codes (code_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
                codeHash, userId, now, now + StaffGroupLimits.CodeLifetime),
        ], cancellationToken);

    /// <summary>
    /// The code was sent in a group of the bot: its sender's Telegram account is linked to the
    /// code's user, and the group is remembered for an admin to link. Once only: a code someone
    /// else reads in the group cannot link their account. Null when the code is unknown, used or expired.
    /// The link is audited in the bot's project, in the same transaction.
    /// </summary>
    public Task<Guid?> CodeSent(Guid projectId, string codeHash, Guid botId, string chatId, string? title, string telegramUserId, string? username,
        DateTimeOffset now, CancellationToken cancellationToken) =>
        ThenAudit("""
            WITH c AS (
                UPDATE telegram_link_codes SET sent_bot_id = $2, sent_chat_id = $3, sent_title = $4
                 WHERE code_hash = $1 AND used_at IS NULL AND sent_chat_id IS NULL AND expires_at > $7
                RETURNING user_id),
            a AS (
                INSERT INTO telegram_accounts (telegram_user_id, user_id, username, linked_at) SELECT $5, user_id, $6, $7 FROM c
                ON CONFLICT (telegram_user_id) DO UPDATE SET user_id = EXCLUDED.user_id, username = EXCLUDED.username, linked_at = EXCLUDED.linked_at)
            SELECT user_id FROM c
            """, [codeHash, botId, chatId, title, telegramUserId, username, now], reader => (Guid?)reader.GetGuid(0), projectId,
            userId => new AuditEntry(now, Actor.User(userId!.Value), AuditActions.StaffGroupMemberLinked, userId.Value.ToString(),
                new { telegram_user_id = telegramUserId, username, chat_id = chatId }), cancellationToken);

    /// <summary>
    /// Links the group in which the user's code was sent (through the project's bot) to the
    /// project, replacing any group it had; the code is used up. Mirroring starts from now.
    /// Null when the code is not the user's, was not sent through this bot, is used or expired.
    /// </summary>
    public Task<StaffGroupView?> Link(Guid projectId, Guid userId, string codeHash, Guid botId, Actor actor, DateTimeOffset now, CancellationToken cancellationToken) =>
        ThenAudit("""
            WITH c AS (
                UPDATE telegram_link_codes SET used_at = $4
                 WHERE code_hash = $1 AND user_id = $2 AND sent_bot_id = $3 AND used_at IS NULL AND expires_at > $4
                RETURNING sent_chat_id, sent_title)
            INSERT INTO staff_groups (project_id, bot_id, chat_id, title, linked_by, linked_at, event_cursor)
            SELECT $5, $3, sent_chat_id, sent_title, $2, $4, coalesce((SELECT last_seq FROM project_event_seqs WHERE project_id = $5), 0) FROM c
            ON CONFLICT (project_id) DO UPDATE SET bot_id = EXCLUDED.bot_id, chat_id = EXCLUDED.chat_id, title = EXCLUDED.title,
                linked_by = EXCLUDED.linked_by, linked_at = EXCLUDED.linked_at, event_cursor = EXCLUDED.event_cursor, broken_at = NULL, broken_reason = NULL
            RETURNING bot_id, chat_id, title, linked_at, broken_at, broken_reason
            """, [codeHash, userId, botId, now, projectId], GroupOf, projectId,
            group => new AuditEntry(now, actor, AuditActions.StaffGroupLinked, group.ChatId, new { chat_id = group.ChatId, title = group.Title }),
            cancellationToken);

    public async Task<StaffGroupView?> Find(Guid projectId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT bot_id, chat_id, title, linked_at, broken_at, broken_reason FROM staff_groups WHERE project_id = $1");
        Add(command, projectId);
        return await ReadGroup(command, cancellationToken);
    }

    /// <summary>False when no group was linked; the unlink is audited in its transaction.</summary>
    public async Task<bool> Unlink(Guid projectId, Actor actor, DateTimeOffset now, CancellationToken cancellationToken) =>
        await ThenAudit("DELETE FROM staff_groups WHERE project_id = $1 RETURNING bot_id, chat_id, title, linked_at, broken_at, broken_reason", [projectId],
            GroupOf, projectId,
            group => new AuditEntry(now, actor, AuditActions.StaffGroupUnlinked, group.ChatId, new { chat_id = group.ChatId, title = group.Title }),
            cancellationToken) is not null;

    public async Task MarkBroken(Guid projectId, string reason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE staff_groups SET broken_at = $2, broken_reason = $3 WHERE project_id = $1 AND broken_at IS NULL");
        Add(command, projectId, now, reason);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The project member the Telegram account is linked to (role null: not, or no longer, a member); null when it is linked to no one.</summary>
    public async Task<StaffMember?> MemberOf(Guid projectId, string telegramUserId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT a.user_id, m.role, coalesce(nullif(u.name, ''), u.email)
              FROM telegram_accounts a JOIN users u ON u.id = a.user_id
              LEFT JOIN members m ON m.project_id = $1 AND m.user_id = a.user_id AND m.removed_at IS NULL
             WHERE a.telegram_user_id = $2
            """);
        Add(command, projectId, telegramUserId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new StaffMember(reader.GetGuid(0), reader.IsDBNull(1) ? null : WireNames.ParseWire<ProjectRole>(reader.GetString(1)), reader.GetString(2))
            : null;
    }

    /// <summary>The member of the project whose linked Telegram account has this @username.</summary>
    public async Task<Guid?> MemberByTelegramUsername(Guid projectId, string username, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT a.user_id FROM telegram_accounts a
              JOIN members m ON m.project_id = $1 AND m.user_id = a.user_id AND m.removed_at IS NULL AND m.role <> 'viewer'
             WHERE lower(a.username) = lower($2) LIMIT 1
            """);
        Add(command, projectId, username);
        return await command.ExecuteScalarAsync(cancellationToken) as Guid?;
    }

    /// <summary>A person's display name (name, or email without one), for the topic's lines.</summary>
    public async Task<string?> NameOf(Guid userId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT coalesce(nullif(name, ''), email) FROM users WHERE id = $1");
        Add(command, userId);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    public async Task<int?> TopicOf(Guid ticketId, string chatId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT thread_id FROM staff_topics WHERE ticket_id = $1 AND chat_id = $2");
        Add(command, ticketId, chatId);
        return await command.ExecuteScalarAsync(cancellationToken) is string thread && int.TryParse(thread, out var id) ? id : null;
    }

    public async Task<Guid?> TicketOfTopic(Guid projectId, string chatId, string threadId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT ticket_id FROM staff_topics WHERE project_id = $1 AND chat_id = $2 AND thread_id = $3");
        Add(command, projectId, chatId, threadId);
        return await command.ExecuteScalarAsync(cancellationToken) as Guid?;
    }

    /// <summary>The ticket's topic (a repeat, after a retried creation, points it at the newer topic).</summary>
    public async Task SaveTopic(Guid projectId, Guid ticketId, string chatId, string threadId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO staff_topics (ticket_id, project_id, chat_id, thread_id, created_at) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (ticket_id) DO UPDATE SET chat_id = EXCLUDED.chat_id, thread_id = EXCLUDED.thread_id, created_at = EXCLUDED.created_at
            """);
        Add(command, ticketId, projectId, chatId, threadId, now);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// The inbox keeps each update's text; a <c>/link</c> update's code is blanked there when it
    /// is claimed, so no code outlives its use in the database (it is never logged either).
    /// </summary>
    public static NpgsqlBatchCommand ForgetLinkCode(Guid botId, string updateKey) =>
        Command("UPDATE channel_updates SET payload = jsonb_set(payload, '{text}', to_jsonb('/link (code removed)'::text)) WHERE bot_id = $1 AND update_key = $2",
            botId, updateKey);

    /// <summary>
    /// A ticket message written from the group (a reply, a note): its event is not mirrored back
    /// into the topic. Kept in the database, not in the grain, so a restart in between does not show it twice.
    /// </summary>
    public Task MarkFromGroup(Guid projectId, Guid messageId, Guid ticketId, DateTimeOffset now, CancellationToken cancellationToken) =>
        Mark(projectId, FromGroup, messageId.ToString(), ticketId, now, cancellationToken);

    /// <summary>Whether the message was written from the group; the mark is used up (each event is mirrored once).</summary>
    public async Task<bool> TakeFromGroup(Guid projectId, Guid messageId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM staff_group_marks WHERE project_id = $1 AND kind = $2 AND mark = $3 RETURNING 1");
        Add(command, projectId, FromGroup, messageId.ToString());
        return await command.ExecuteScalarAsync(cancellationToken) is not null;
    }

    /// <summary>The bot's "reply here to add a note" message <paramref name="messageId"/> in the chat, for the ticket.</summary>
    public Task MarkNotePrompt(Guid projectId, string chatId, string messageId, Guid ticketId, DateTimeOffset now, CancellationToken cancellationToken) =>
        Mark(projectId, NotePrompt, $"{chatId}:{messageId}", ticketId, now, cancellationToken);

    /// <summary>The ticket whose note prompt message <paramref name="messageId"/> is; null for any other message.</summary>
    public async Task<Guid?> TicketOfNotePrompt(Guid projectId, string chatId, string messageId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT ticket_id FROM staff_group_marks WHERE project_id = $1 AND kind = $2 AND mark = $3");
        Add(command, projectId, NotePrompt, $"{chatId}:{messageId}");
        return await command.ExecuteScalarAsync(cancellationToken) as Guid?;
    }

    private const string FromGroup = "from_group";
    private const string NotePrompt = "note_prompt";

    /// <summary>A mark is needed for minutes (an event mirrored, a prompt answered); a week's are kept, older ones go as new ones come.</summary>
    public static readonly TimeSpan MarkLifetime = TimeSpan.FromDays(7);

    private Task Mark(Guid projectId, string kind, string mark, Guid ticketId, DateTimeOffset now, CancellationToken cancellationToken) =>
        dataSource.Commit(
        [
            Command("DELETE FROM staff_group_marks WHERE project_id = $1 AND created_at < $2", projectId, now - MarkLifetime),
            Command("INSERT INTO staff_group_marks (project_id, kind, mark, ticket_id, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                projectId, kind, mark, ticketId, now),
        ], cancellationToken);

    /// <summary>The project's ticket events after the group's cursor, in commit order.</summary>
    public async Task<IReadOnlyList<MirroredEvent>> EventsAfterCursor(Guid projectId, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT e.project_seq, e.ticket_id, e.type, e.message_id, e.payload::text
              FROM staff_groups g JOIN ticket_events e ON e.project_id = g.project_id AND e.project_seq > g.event_cursor
             WHERE g.project_id = $1
             ORDER BY e.project_seq LIMIT $2
            """);
        Add(command, projectId, limit);
        var events = new List<MirroredEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            events.Add(new MirroredEvent(reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetGuid(3),
                reader.GetString(4)));
        return events;
    }

    public async Task Advance(Guid projectId, long seq, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE staff_groups SET event_cursor = greatest(event_cursor, $2) WHERE project_id = $1");
        Add(command, projectId, seq);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<StaffGroupView?> ReadGroup(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? GroupOf(reader) : null;
    }

    private static StaffGroupView GroupOf(NpgsqlDataReader reader) =>
        new(reader.GetGuid(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
            reader.GetFieldValue<DateTimeOffset>(3), reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4),
            reader.IsDBNull(5) ? null : reader.GetString(5));

    /// <summary>
    /// Runs <paramref name="sql"/> and, when it returns a row, the audit entry made of that row, in
    /// one transaction: the change and its entry, or neither. Default when there is no row.
    /// </summary>
    private async Task<T?> ThenAudit<T>(string sql, object?[] values, Func<NpgsqlDataReader, T> read, Guid projectId, Func<T, AuditEntry> audit,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        T row;
        await using (var command = new NpgsqlCommand(sql, connection, transaction))
        {
            Add(command, values);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken)) return default;
            row = read(reader);
        }
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            batch.BatchCommands.Add(AuditWrites.Insert(projectId, audit(row)));
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return row;
    }

    private static void Add(NpgsqlCommand command, params object?[] values)
    {
        foreach (var value in values)
            command.Parameters.Add(value is null ? new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text } : new NpgsqlParameter { Value = value });
    }
}
