using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using Zapnoty.Grains.Storage;

namespace Zapnoty.Grains.Webhooks;

/// <summary>What one attempt settles: the delivery, how the request went, and where the delivery stands now.</summary>
public sealed record AttemptRecord(DueDelivery Delivery, AttemptOutcome Outcome, DeliveryStatus Status, DateTimeOffset? NextAttemptAt)
{
    public int Attempts => Delivery.Attempts + 1;

    /// <summary>The website reply this attempt carried to the customer, if it did.</summary>
    public Guid? DeliveredReply => Status == DeliveryStatus.Delivered ? Delivery.MessageId : null;
}

/// <summary>
/// Writes attempts for every dispatcher of the silo, many per transaction (group commit): while
/// one commit is on its way to disk, the attempts finished meanwhile wait and then go together.
/// Each attempt's log row, the delivery's new state and, for a website reply, the message's
/// delivered mark still commit together; a caller's task completes only once its records are
/// durable, so nothing is sent after an earlier event of its ticket before that event is
/// recorded. Under load this turns one commit (and WAL flush) per delivery into one per batch
/// (<see cref="GroupCommit{TItem, TResult}"/>; a bad record fails only its own caller).
/// </summary>
public sealed class AttemptLog
{
    /// <summary>Callers per transaction at most (each hands in a dispatcher's few attempts).</summary>
    private const int MaxBatch = 512;

    private readonly NpgsqlDataSource _dataSource;
    private readonly GroupCommit<IReadOnlyList<AttemptRecord>, bool> _commits;

    public AttemptLog(NpgsqlDataSource dataSource, ILogger<AttemptLog> log)
    {
        _dataSource = dataSource;
        _commits = new(async batch =>
        {
            await Commit(batch.SelectMany(records => records).ToList(), CancellationToken.None);
            return batch.Select(_ => true).ToList();
        }, MaxBatch, log, "webhook attempt batches");
    }

    /// <summary>Completes when the records are committed; faults when they could not be.</summary>
    public Task Record(IReadOnlyList<AttemptRecord> records) => _commits.Submit(records);

    private Task Commit(IReadOnlyList<AttemptRecord> records, CancellationToken cancellationToken)
    {
        var ids = records.Select(r => r.Delivery.Id).ToArray();
        var at = records.Select(r => r.Outcome.At).ToArray();
        return _dataSource.Commit(
            [
                Arrays("""
                    INSERT INTO webhook_attempts (delivery_id, at, status_code, duration_ms, error, response_body)
                    SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::int[], $4::int[], $5::text[], $6::text[])
                    """,
                    (ids, NpgsqlDbType.Uuid), (at, NpgsqlDbType.TimestampTz),
                    (records.Select(r => r.Outcome.StatusCode).ToArray(), NpgsqlDbType.Integer),
                    (records.Select(r => r.Outcome.DurationMs).ToArray(), NpgsqlDbType.Integer),
                    (records.Select(r => r.Outcome.Error).ToArray(), NpgsqlDbType.Text),
                    (records.Select(r => r.Outcome.ResponseBody).ToArray(), NpgsqlDbType.Text)),
                Arrays("""
                    UPDATE webhook_deliveries d
                       SET status = u.status, attempts = u.attempts, next_attempt_at = u.next_attempt_at, last_error = u.last_error,
                           finished_at = CASE WHEN u.status = 'pending' THEN NULL ELSE u.at END
                      FROM unnest($1::uuid[], $2::text[], $3::int[], $4::timestamptz[], $5::text[], $6::timestamptz[])
                           AS u(id, status, attempts, next_attempt_at, last_error, at)
                     WHERE d.id = u.id
                    """,
                    (ids, NpgsqlDbType.Uuid),
                    (records.Select(r => r.Status.Wire()).ToArray(), NpgsqlDbType.Text),
                    (records.Select(r => r.Attempts).ToArray(), NpgsqlDbType.Integer),
                    (records.Select(r => r.NextAttemptAt).ToArray(), NpgsqlDbType.TimestampTz),
                    (records.Select(r => r.Outcome.Succeeded ? null : r.Outcome.Failure).ToArray(), NpgsqlDbType.Text),
                    (at, NpgsqlDbType.TimestampTz)),
                // The reply reached the customer's server: it shows delivered from the same commit on.
                Arrays("UPDATE ticket_messages SET delivery = 'delivered', delivery_error = NULL WHERE id = ANY ($1) AND delivery IN ('webhook', 'failed')",
                    (records.Select(r => r.DeliveredReply).OfType<Guid>().ToArray(), NpgsqlDbType.Uuid)),
            ], cancellationToken);
    }

    private static NpgsqlBatchCommand Arrays(string sql, params (Array Values, NpgsqlDbType Element)[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var (values, element) in parameters)
            command.Parameters.Add(new NpgsqlParameter { Value = values, NpgsqlDbType = NpgsqlDbType.Array | element });
        return command;
    }
}
