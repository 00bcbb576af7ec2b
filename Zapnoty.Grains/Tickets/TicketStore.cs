using Npgsql;
using Zapnoty.Grains.Billing;
using Zapnoty.Grains.Storage;
using Zapnoty.Grains.Webhooks;

namespace Zapnoty.Grains.Tickets;

/// <summary>Reads and writes one ticket. Every write is one transaction guarded by the row version.</summary>
public sealed class TicketStore(NpgsqlDataSource dataSource)
{
    private const string MessageColumns =
        "id, author, agent_id, text, created_at, delivery, delivery_error, attachments::text, channel_message_id, edited_at, internal, file_deliveries::text";

    // The message reads below are public so a test can EXPLAIN them on a ticket with 20,000
    // messages: each walks the (ticket_id, seq) index from a known point and stops after a
    // bounded number of rows, however long the conversation is.

    /// <summary>The latest $2 messages of ticket $1, oldest first (one more than shown tells whether older ones exist).</summary>
    public const string LatestMessagesSql = $"""
        SELECT {MessageColumns} FROM (
            SELECT {MessageColumns}, seq FROM ticket_messages WHERE ticket_id = $1 ORDER BY seq DESC LIMIT $2) m
         ORDER BY seq
        """;

    /// <summary>
    /// Up to $3 messages of ticket $1 before message $2 (the latest when null), oldest first. The
    /// bound on seq is one value (max, the anchor's seq, or null for an anchor of no message of
    /// this ticket), so it is an index condition and a page far back reads no newer rows.
    /// </summary>
    public const string MessagesBeforeSql = $"""
        SELECT {MessageColumns} FROM (
            SELECT {MessageColumns}, seq FROM ticket_messages
             WHERE ticket_id = $1
               AND seq < CASE WHEN $2::uuid IS NULL THEN 9223372036854775807
                              ELSE (SELECT seq FROM ticket_messages WHERE id = $2 AND ticket_id = $1) END
             ORDER BY seq DESC LIMIT $3) m
         ORDER BY seq
        """;

    /// <summary>
    /// Customer messages of ticket $1 since $2, reading only the messages since an hour before $2:
    /// seq follows created_at (one grain writes a ticket; silo clocks differ by far less than an
    /// hour), so the walk back stops at the first message older than that instead of counting
    /// through the whole conversation.
    /// </summary>
    public const string CustomerMessagesSinceSql = """
        SELECT count(*) FROM ticket_messages
         WHERE ticket_id = $1 AND author = 'customer' AND created_at >= $2
           AND seq > coalesce((SELECT seq FROM ticket_messages WHERE ticket_id = $1 AND created_at < $2 - interval '1 hour'
                                ORDER BY seq DESC LIMIT 1), 0)
        """;

    /// <summary>Message $2 of ticket $1.</summary>
    public const string MessageByIdSql = $"SELECT {MessageColumns} FROM ticket_messages WHERE id = $2 AND ticket_id = $1";

    /// <summary>The customer's message of ticket $1 that their messenger numbers $2 (the latest, should it repeat).</summary>
    public const string MessageByChannelIdSql = $"""
        SELECT {MessageColumns} FROM ticket_messages
         WHERE ticket_id = $1 AND channel_message_id = $2 AND author = 'customer'
         ORDER BY seq DESC LIMIT 1
        """;

    /// <summary>
    /// The ticket, its <see cref="TicketLimits.RecentMessages"/> latest messages (oldest first) and
    /// its history; <see cref="TicketDetails.HasEarlierMessages"/> says whether older ones exist.
    /// </summary>
    public async Task<TicketDetails?> Load(Guid ticketId, CancellationToken cancellationToken)
    {
        const int recentMessages = TicketLimits.RecentMessages;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand(TicketRows.SelectFrom + " WHERE t.id = $1") { Parameters = { new() { Value = ticketId } } },
                new NpgsqlBatchCommand(LatestMessagesSql) { Parameters = { new() { Value = ticketId }, new() { Value = recentMessages + 1 } } },
                new NpgsqlBatchCommand("""
                    SELECT at, actor_kind, actor_id, field, from_value, to_value
                      FROM ticket_history WHERE ticket_id = $1 ORDER BY id
                    """) { Parameters = { new() { Value = ticketId } } },
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        var ticket = TicketRows.Read(reader);

        await reader.NextResultAsync(cancellationToken);
        var messages = await ReadMessages(reader, cancellationToken);
        var earlier = messages.Count > recentMessages;
        if (earlier) messages.RemoveAt(0);

        await reader.NextResultAsync(cancellationToken);
        var history = new List<HistoryEntry>();
        while (await reader.ReadAsync(cancellationToken))
            history.Add(new HistoryEntry(
                reader.GetFieldValue<DateTimeOffset>(0),
                new Actor(WireNames.ParseWire<ActorKind>(reader.GetString(1)), reader.IsDBNull(2) ? null : reader.GetString(2)),
                reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5)));

        return new TicketDetails(ticket, messages, history, earlier);
    }

    /// <summary>
    /// Up to <paramref name="limit"/> messages of the ticket sent before message <paramref name="before"/>
    /// (or its latest, when null), oldest first; null when <paramref name="before"/> is not one of its messages.
    /// </summary>
    public async Task<MessagePage?> Messages(Guid ticketId, Guid? before, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(MessagesBeforeSql);
        command.Parameters.Add(new() { Value = ticketId });
        command.Parameters.Add(new() { Value = (object?)before ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        command.Parameters.Add(new() { Value = limit + 1 });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var messages = await ReadMessages(reader, cancellationToken);
        if (before is not null && messages.Count == 0 && !await AnchorExists(ticketId, before.Value, cancellationToken)) return null;
        var earlier = messages.Count > limit;
        if (earlier) messages.RemoveAt(0);
        return new MessagePage(messages, earlier);
    }

    private async Task<bool> AnchorExists(Guid ticketId, Guid messageId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM ticket_messages WHERE id = $2 AND ticket_id = $1)");
        command.Parameters.Add(new() { Value = ticketId });
        command.Parameters.Add(new() { Value = messageId });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>One message of the ticket by its id, or by the id its messenger gave a customer's message.</summary>
    public async Task<MessageView?> Message(Guid ticketId, Guid? messageId, string? channelMessageId, CancellationToken cancellationToken)
    {
        // Two statements, not one with an OR: each is a lookup on its own index.
        await using var command = dataSource.CreateCommand(messageId is null ? MessageByChannelIdSql : MessageByIdSql);
        command.Parameters.Add(new() { Value = ticketId });
        command.Parameters.Add(messageId is { } id ? new NpgsqlParameter { Value = id } : new NpgsqlParameter { Value = (object?)channelMessageId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return (await ReadMessages(reader, cancellationToken)).SingleOrDefault();
    }

    /// <summary>How many messages the customer sent on the ticket since <paramref name="since"/>.</summary>
    public async Task<int> CustomerMessagesSince(Guid ticketId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(CustomerMessagesSinceSql);
        command.Parameters.Add(new() { Value = ticketId });
        command.Parameters.Add(new() { Value = since });
        return (int)(long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task<List<MessageView>> ReadMessages(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var messages = new List<MessageView>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var delivery = WireNames.ParseWire<Delivery>(reader.GetString(5));
            messages.Add(new MessageView(
                reader.GetGuid(0),
                WireNames.ParseWire<MessageAuthor>(reader.GetString(1)),
                reader.IsDBNull(2) ? null : reader.GetGuid(2),
                reader.GetString(3),
                reader.GetFieldValue<DateTimeOffset>(4),
                delivery,
                reader.IsDBNull(6) ? null : reader.GetString(6),
                FileDeliveries.Apply(TicketWrites.ReadAttachments(reader.GetString(7)), delivery, reader.IsDBNull(11) ? null : reader.GetString(11)),
                reader.IsDBNull(8) ? null : reader.GetString(8),
                reader.IsDBNull(9) ? null : reader.GetFieldValue<DateTimeOffset>(9),
                reader.GetBoolean(10)));
        }
        return messages;
    }

    /// <summary>
    /// Writes the new state of the ticket row, an optional message, the history entries and the
    /// events with their webhook deliveries in one transaction. Returns null, writing nothing,
    /// when the row is no longer at the expected version (another writer got there first).
    /// </summary>
    public async Task<CustomerView?> Customer(Guid customerId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT id, external_id, name, email, username, unreachable_reason FROM customers WHERE id = $1");
        command.Parameters.Add(new() { Value = customerId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new CustomerView(reader.GetGuid(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5))
            : null;
    }

    /// <summary>The reply's outcome, with its files' own (see <see cref="FileDeliveries"/>); answers the files' recorded states.</summary>
    public async Task<string?> SetDelivery(Guid messageId, Delivery delivery, string? error, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(FileDeliveries.SetSql);
        command.Parameters.Add(new() { Value = messageId });
        command.Parameters.Add(new() { Value = delivery.Wire() });
        command.Parameters.Add(new() { Value = (object?)error ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    /// <summary>A customer's edit: the new text, the old one kept, with whatever else the edit carries.</summary>
    public async Task EditMessage(Guid messageId, string text, string previousText, DateTimeOffset at, IEnumerable<NpgsqlBatchCommand> also,
        CancellationToken cancellationToken)
    {
        List<NpgsqlBatchCommand> commands =
        [
            new("UPDATE ticket_messages SET text = $2, edited_at = $3 WHERE id = $1")
            {
                Parameters = { new() { Value = messageId }, new() { Value = text }, new() { Value = at } },
            },
            new("INSERT INTO ticket_message_edits (message_id, edited_at, previous_text) VALUES ($1, $2, $3)")
            {
                Parameters = { new() { Value = messageId }, new() { Value = at }, new() { Value = previousText } },
            },
            .. also,
        ];
        await dataSource.Commit(commands, cancellationToken);
    }

    public Task CommitOnly(IEnumerable<NpgsqlBatchCommand> commands, CancellationToken cancellationToken) => dataSource.Commit(commands, cancellationToken);

    private static NpgsqlParameter Time(DateTimeOffset? at) =>
        new() { Value = (object?)at ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz };

    public async Task<SavedTicket?> Save(TicketWrite write, CancellationToken cancellationToken)
    {
        var updated = write.Updated;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction);

        // First, so the reader's first result is its balance row.
        if (write.DebitsCredit)
            batch.BatchCommands.Add(Credits.DebitReply(updated.ProjectId, updated.UpdatedAt, updated.Id, write.Message!.Id));
        var ticketUpdate = new NpgsqlBatchCommand("""
            UPDATE tickets
               SET status = $2, priority = $3, type_id = $4, assignee_id = $5, updated_at = $6,
                   first_reply_at = $7, closed_at = $8, version = $9, resolve_due_at = $11,
                   first_reply_breached_at = $12, resolve_breached_at = $13, merged_into = $14,
                   first_reply_due_at = $15, next_reply_due_at = $16, next_reply_breached_at = $17, next_reply_since = $18,
                   sla_policy = $19::jsonb, sla_paused_at = $20, sla_resolve_left = $21, sla_paused_seconds = $22
             WHERE id = $1 AND version = $10
            """)
        {
            Parameters =
            {
                new() { Value = updated.Id },
                new() { Value = updated.Status.Wire() },
                new() { Value = updated.Priority.Wire() },
                new() { Value = (object?)updated.TypeId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid },
                new() { Value = (object?)updated.AssigneeId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid },
                new() { Value = updated.UpdatedAt },
                new() { Value = (object?)updated.FirstReplyAt ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz },
                new() { Value = (object?)updated.ClosedAt ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz },
                new() { Value = updated.Version },
                new() { Value = write.ExpectedVersion },
                new() { Value = (object?)updated.ResolveDueAt ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz },
                new() { Value = (object?)updated.FirstReplyBreachedAt ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz },
                new() { Value = (object?)updated.ResolveBreachedAt ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz },
                new() { Value = (object?)updated.MergedInto ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid },
                Time(updated.FirstReplyDueAt),
                Time(updated.NextReplyDueAt),
                Time(updated.NextReplyBreachedAt),
                Time(updated.NextReplySince),
                new() { Value = updated.SlaPolicy is { } policy ? SlaPolicies.SlaPolicyStore.Json(policy) : (object)DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text },
                Time(updated.PausedAt),
                new() { Value = (object?)updated.ResolveLeft ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Interval },
                new() { Value = updated.PausedSeconds },
            },
        };
        batch.BatchCommands.Add(ticketUpdate);
        if (write.Message is not null)
            batch.BatchCommands.Add(TicketWrites.InsertMessage(updated.Id, updated.ProjectId, write.Message));
        if (write.History.Count > 0)
            batch.BatchCommands.Add(TicketWrites.InsertHistory(updated.Id, write.History));
        NpgsqlBatchCommand? outbox = null, undeliverable = null;
        if (write.Events.Count > 0)
            batch.BatchCommands.Add(outbox = OutboxWrites.Insert(updated.ProjectId, write.Events, updated.UpdatedAt));
        if (write.Message is { Delivery: Delivery.Webhook } reply && write.Events.FirstOrDefault(e => e.MessageId == reply.Id) is { } carrier)
            batch.BatchCommands.Add(undeliverable = OutboxWrites.MarkReplyWithoutEndpoint(reply.Id, carrier.Id));
        foreach (var command in write.Also ?? []) batch.BatchCommands.Add(command);
        foreach (var guard in write.Guards ?? []) batch.BatchCommands.Add(guard);

        DebitResult? debit = null;
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            if (write.DebitsCredit && await reader.ReadAsync(cancellationToken)) debit = Credits.ReadDebit(reader);
            while (await reader.NextResultAsync(cancellationToken)) { }
        }
        if (ticketUpdate.RecordsAffected != 1 || write.Guards?.Any(g => g.RecordsAffected != 1) == true)
        {
            await transaction.RollbackAsync(cancellationToken);
            return null;
        }
        var deliveries = outbox?.RecordsAffected ?? 0;
        if (debit is not null && Credits.Notices(updated.ProjectId, debit, updated.UpdatedAt) is { Count: > 0 } notices)
        {
            await using var notify = new NpgsqlBatch(connection, transaction) { BatchCommands = { OutboxWrites.Insert(updated.ProjectId, notices, updated.UpdatedAt) } };
            await notify.ExecuteNonQueryAsync(cancellationToken);
            deliveries += notify.BatchCommands[0].RecordsAffected;
        }
        await transaction.CommitAsync(cancellationToken);
        return new SavedTicket(deliveries, undeliverable?.RecordsAffected == 1);
    }
}

/// <summary>
/// One command's change of a ticket, all of it written or none. <see cref="Guards"/> must each
/// change exactly one row, or nothing is written (as when the ticket's own version is stale).
/// </summary>
public sealed record TicketWrite(
    TicketView Updated, int ExpectedVersion, MessageView? Message, IReadOnlyList<HistoryEntry> History, IReadOnlyList<TicketEvent> Events,
    IReadOnlyList<NpgsqlBatchCommand>? Also = null,
    bool DebitsCredit = false,
    IReadOnlyList<NpgsqlBatchCommand>? Guards = null);

/// <summary>What a committed write produced: webhook deliveries to start, and whether a website reply has no way out.</summary>
public sealed record SavedTicket(int Deliveries, bool ReplyUndeliverable);
