using Npgsql;
using Zapnoty.Grains.Billing;
using Zapnoty.Grains.Storage;
using Zapnoty.Grains.Webhooks;

namespace Zapnoty.Grains.Tickets;

/// <summary>Reads and writes one ticket. Every write is one transaction guarded by the row version.</summary>
public sealed class TicketStore(NpgsqlDataSource dataSource)
{
    public async Task<TicketDetails?> Load(Guid ticketId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand(TicketRows.SelectFrom + " WHERE t.id = $1") { Parameters = { new() { Value = ticketId } } },
                new NpgsqlBatchCommand("""
                    SELECT id, author, agent_id, text, created_at, delivery, delivery_error,
                           attachments::text, channel_message_id, edited_at
                      FROM ticket_messages WHERE ticket_id = $1 ORDER BY seq
                    """) { Parameters = { new() { Value = ticketId } } },
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
        var messages = new List<MessageView>();
        while (await reader.ReadAsync(cancellationToken))
            messages.Add(new MessageView(
                reader.GetGuid(0),
                WireNames.ParseWire<MessageAuthor>(reader.GetString(1)),
                reader.IsDBNull(2) ? null : reader.GetGuid(2),
                reader.GetString(3),
                reader.GetFieldValue<DateTimeOffset>(4),
                WireNames.ParseWire<Delivery>(reader.GetString(5)),
                reader.IsDBNull(6) ? null : reader.GetString(6),
                TicketWrites.ReadAttachments(reader.GetString(7)),
                reader.IsDBNull(8) ? null : reader.GetString(8),
                reader.IsDBNull(9) ? null : reader.GetFieldValue<DateTimeOffset>(9)));

        await reader.NextResultAsync(cancellationToken);
        var history = new List<HistoryEntry>();
        while (await reader.ReadAsync(cancellationToken))
            history.Add(new HistoryEntry(
                reader.GetFieldValue<DateTimeOffset>(0),
                new Actor(WireNames.ParseWire<ActorKind>(reader.GetString(1)), reader.IsDBNull(2) ? null : reader.GetString(2)),
                reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5)));

        return new TicketDetails(ticket, messages, history);
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

    public async Task SetDelivery(Guid messageId, Delivery delivery, string? error, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE ticket_messages SET delivery = $2, delivery_error = $3 WHERE id = $1");
        command.Parameters.Add(new() { Value = messageId });
        command.Parameters.Add(new() { Value = delivery.Wire() });
        command.Parameters.Add(new() { Value = (object?)error ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await command.ExecuteNonQueryAsync(cancellationToken);
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
                   first_reply_breached_at = $12, resolve_breached_at = $13
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

        DebitResult? debit = null;
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            if (write.DebitsCredit && await reader.ReadAsync(cancellationToken)) debit = Credits.ReadDebit(reader);
            while (await reader.NextResultAsync(cancellationToken)) { }
        }
        if (ticketUpdate.RecordsAffected != 1)
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

/// <summary>One command's change of a ticket, all of it written or none.</summary>
public sealed record TicketWrite(
    TicketView Updated, int ExpectedVersion, MessageView? Message, IReadOnlyList<HistoryEntry> History, IReadOnlyList<TicketEvent> Events,
    IReadOnlyList<NpgsqlBatchCommand>? Also = null,
    bool DebitsCredit = false);

/// <summary>What a committed write produced: webhook deliveries to start, and whether a website reply has no way out.</summary>
public sealed record SavedTicket(int Deliveries, bool ReplyUndeliverable);
