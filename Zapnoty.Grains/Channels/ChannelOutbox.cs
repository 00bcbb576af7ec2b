using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Zapnoty.Grains.Channels;

/// <summary>A message whose turn has come: the earliest open one of its chat, due now.</summary>
/// <see cref="File"/>: a file an agent attached (the text is then its caption).
public sealed record QueuedMessage(long Id, string ChatId, string Text, IReadOnlyList<ChoiceButton>? Buttons, Guid? MessageId, Guid? TicketId, int Attempts,
    Attachment? File = null);

/// <summary>A reply whose sending ended without a delivery, to show as failed on its ticket.</summary>
public sealed record UndeliveredReply(Guid TicketId, Guid MessageId, string Error);

/// <summary>Configuration section <c>Zapnoty:Channels</c>: how messages to chats are paced and retried.</summary>
public sealed class ChannelSendOptions
{
    /// <summary>Telegram allows about one message a second per chat.</summary>
    public TimeSpan PerChatInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>And about 30 messages a second per bot.</summary>
    public int PerBotPerSecond { get; set; } = 30;

    /// <summary>Waits before each retry of a failed send (5xx, timeouts); then the message has failed.</summary>
    public TimeSpan[]? RetryDelays { get; set; }

    public TimeSpan SweepPeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a bot id no project has is remembered as unknown, so a flood of its updates costs one query.</summary>
    public TimeSpan UnknownBotMemory { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A send still marked in flight after this long was cut off by a crash: its outcome is unknown.</summary>
    public TimeSpan InFlightLimit { get; set; } = TimeSpan.FromMinutes(2);

    public static readonly TimeSpan[] DefaultRetryDelays =
        [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(30)];

    public IReadOnlyList<TimeSpan> Schedule => RetryDelays is { Length: > 0 } delays ? delays : DefaultRetryDelays;
}

/// <summary>
/// Messages to chats, queued in the transaction that decided them. A send is marked in flight
/// (committed) before the messenger is called, so a crash can never make it go out twice.
/// </summary>
public sealed class ChannelOutbox(NpgsqlDataSource dataSource)
{
    public async Task<IReadOnlyList<QueuedMessage>> Due(Guid botId, DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT o.id, o.chat_id, o.text, o.buttons::text, o.message_id, o.ticket_id, o.attempts, o.file::text
              FROM (SELECT DISTINCT ON (chat_id) id, chat_id, text, buttons, message_id, ticket_id, attempts, status, next_attempt_at, file
                      FROM channel_outbox
                     WHERE bot_id = $1 AND status IN ('pending', 'sending')
                     ORDER BY chat_id, id) o
             WHERE o.status = 'pending' AND o.next_attempt_at <= $2
             ORDER BY o.next_attempt_at, o.id
             LIMIT $3
            """);
        command.Parameters.Add(new() { Value = botId });
        command.Parameters.Add(new() { Value = now });
        command.Parameters.Add(new() { Value = limit });
        var due = new List<QueuedMessage>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            due.Add(new QueuedMessage(reader.GetInt64(0), reader.GetString(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : JsonSerializer.Deserialize<List<ChoiceButton>>(reader.GetString(3), WireJson.Options),
                reader.IsDBNull(4) ? null : reader.GetGuid(4), reader.IsDBNull(5) ? null : reader.GetGuid(5), reader.GetInt32(6),
                reader.IsDBNull(7) ? null : JsonSerializer.Deserialize<Attachment>(reader.GetString(7), WireJson.Options)));
        return due;
    }

    /// <summary>Marks the message in flight; false when someone else took it.</summary>
    public async Task<bool> TakeForSending(long id, DateTimeOffset now, CancellationToken cancellationToken) =>
        await Execute("UPDATE channel_outbox SET status = 'sending', attempts = attempts + 1, next_attempt_at = $2 WHERE id = $1 AND status = 'pending'",
            cancellationToken, id, now) == 1;

    /// <summary>
    /// Fails the queued message, never to be sent, when it carries an internal note of the team;
    /// true when it did. Notes are never queued for a chat: this catches a bug that would.
    /// </summary>
    public async Task<bool> RefuseInternal(long id, DateTimeOffset now, CancellationToken cancellationToken) =>
        await Execute("""
            UPDATE channel_outbox o SET status = 'failed', finished_at = $2, last_error = $3
             WHERE o.id = $1 AND o.status = 'pending'
               AND EXISTS (SELECT 1 FROM ticket_messages m WHERE m.id = o.message_id AND m.internal)
            """, cancellationToken, id, now, InternalRefused) == 1;

    public const string InternalRefused = "An internal note of the team is never sent to the customer.";

    public Task Sent(long id, DateTimeOffset now, CancellationToken cancellationToken) =>
        Execute("UPDATE channel_outbox SET status = 'sent', finished_at = $2, last_error = NULL WHERE id = $1", cancellationToken, id, now);

    /// <summary>Every part of the reply (its text, each of its files) has been sent.</summary>
    public async Task<bool> AllSent(Guid messageId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT NOT EXISTS (SELECT 1 FROM channel_outbox WHERE message_id = $1 AND status <> 'sent')");
        command.Parameters.Add(new() { Value = messageId });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The error of the reply's first part that failed for good, if one did.</summary>
    public async Task<string?> FirstFailure(Guid messageId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT coalesce(last_error, 'Not delivered.') FROM channel_outbox WHERE message_id = $1 AND status = 'failed' ORDER BY id LIMIT 1");
        command.Parameters.Add(new() { Value = messageId });
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    public Task RetryAt(long id, DateTimeOffset at, string error, CancellationToken cancellationToken) =>
        Execute("UPDATE channel_outbox SET status = 'pending', next_attempt_at = $2, last_error = $3 WHERE id = $1", cancellationToken, id, at, error);

    public Task Fail(long id, string error, DateTimeOffset now, CancellationToken cancellationToken) =>
        Execute("UPDATE channel_outbox SET status = 'failed', finished_at = $2, last_error = $3 WHERE id = $1", cancellationToken, id, now, error);

    /// <summary>
    /// The customer blocked the bot: everything still waiting for the chat fails with the reason,
    /// and the customer is marked unreachable. Returns the replies that did not get through.
    /// <paramref name="also"/> joins the transaction (the claim of the update that said so).
    /// </summary>
    public async Task<IReadOnlyList<UndeliveredReply>> Blocked(Guid botId, string chatId, string reason, DateTimeOffset now, CancellationToken cancellationToken,
        IReadOnlyList<NpgsqlBatchCommand>? also = null)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction);
        // First, so a repeated update stops the batch before anything else is read.
        foreach (var command in also ?? []) batch.BatchCommands.Add(command);
        batch.BatchCommands.Add(Command("""
            UPDATE channel_outbox SET status = 'failed', finished_at = $3, last_error = $4
             WHERE bot_id = $1 AND chat_id = $2 AND status IN ('pending', 'sending')
            RETURNING ticket_id, message_id
            """, botId, chatId, now, reason));
        batch.BatchCommands.Add(ChannelWrites.MarkUnreachable(botId, chatId, reason, now));
        var failed = new List<UndeliveredReply>();
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            for (var skip = also?.Count ?? 0; skip > 0; skip--) await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                if (!reader.IsDBNull(0) && !reader.IsDBNull(1)) failed.Add(new UndeliveredReply(reader.GetGuid(0), reader.GetGuid(1), reason));
        }
        await transaction.CommitAsync(cancellationToken);
        return failed;
    }

    /// <summary>A message got through: whatever kept the customer unreachable is over.</summary>
    public async Task Reachable(Guid botId, string chatId, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(ChannelWrites.MarkReachable(botId, chatId));
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Sends left in flight by a crashed silo: failed, not retried, since they may have arrived.</summary>
    public async Task<IReadOnlyList<UndeliveredReply>> FailCutOff(DateTimeOffset inFlightSince, DateTimeOffset now, CancellationToken cancellationToken)
    {
        const string error = "The silo stopped while sending this message; it may or may not have arrived, so it was not sent again.";
        await using var command = dataSource.CreateCommand("""
            UPDATE channel_outbox SET status = 'failed', finished_at = $2, last_error = $3
             WHERE status = 'sending' AND next_attempt_at < $1
            RETURNING ticket_id, message_id
            """);
        command.Parameters.Add(new() { Value = inFlightSince });
        command.Parameters.Add(new() { Value = now });
        command.Parameters.Add(new() { Value = error });
        var failed = new List<UndeliveredReply>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            if (!reader.IsDBNull(0) && !reader.IsDBNull(1)) failed.Add(new UndeliveredReply(reader.GetGuid(0), reader.GetGuid(1), error));
        return failed;
    }

    public async Task<IReadOnlyList<Guid>> BotsWithDue(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT DISTINCT bot_id FROM channel_outbox WHERE status = 'pending' AND next_attempt_at <= $1");
        command.Parameters.Add(new() { Value = now });
        var bots = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) bots.Add(reader.GetGuid(0));
        return bots;
    }

    public async Task<DateTimeOffset?> NextDue(Guid botId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT min(next_attempt_at) FROM channel_outbox WHERE bot_id = $1 AND status = 'pending'");
        command.Parameters.Add(new() { Value = botId });
        return await command.ExecuteScalarAsync(cancellationToken) is DateTime due ? new DateTimeOffset(due, TimeSpan.Zero) : null;
    }

    private async Task<int> Execute(string sql, CancellationToken cancellationToken, params object[] values)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
        return command;
    }
}
