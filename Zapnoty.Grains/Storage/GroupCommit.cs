using Microsoft.Extensions.Logging;

namespace Zapnoty.Grains.Storage;

/// <summary>
/// Commits the items of concurrent callers together (group commit): while one batch is on its
/// way to disk, the items handed in meanwhile wait and then go together, so under load a silo
/// pays one commit (and WAL flush) per batch instead of one per item. A caller's task completes
/// only once its item is durable. When a batch fails, its items go again one by one: a bad item
/// fails only its own caller.
/// </summary>
/// <param name="commit">Writes the items in one transaction and answers one result per item, in order.</param>
/// <param name="maxBatch">At most this many items per transaction, so one statement stays of a sane size.</param>
/// <param name="log">Where a failed batch is told of before its items go again one by one.</param>
/// <param name="what">The items' name in that log line.</param>
public sealed class GroupCommit<TItem, TResult>(Func<IReadOnlyList<TItem>, Task<IReadOnlyList<TResult>>> commit, int maxBatch, ILogger log, string what)
{
    private sealed record Waiting(TItem Item, TaskCompletionSource<TResult> Done);

    private readonly Lock _gate = new();
    private readonly Queue<Waiting> _waiting = new();
    private bool _writing;

    /// <summary>Completes with the item's result when it is committed; faults when it could not be.</summary>
    public Task<TResult> Submit(TItem item)
    {
        var waiting = new Waiting(item, new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously));
        bool start;
        lock (_gate)
        {
            _waiting.Enqueue(waiting);
            start = !_writing;
            _writing = true;
        }
        // Off the caller's scheduler (a request, or a grain's): the writer serves the whole silo.
        if (start) _ = Task.Run(WriteWhileWaiting);
        return waiting.Done.Task;
    }

    private async Task WriteWhileWaiting()
    {
        while (true)
        {
            List<Waiting> batch;
            lock (_gate)
            {
                if (_waiting.Count == 0)
                {
                    _writing = false;
                    return;
                }
                batch = new List<Waiting>(Math.Min(_waiting.Count, maxBatch));
                while (batch.Count < maxBatch && _waiting.TryDequeue(out var next)) batch.Add(next);
            }
            await Write(batch);
        }
    }

    private async Task Write(List<Waiting> batch)
    {
        try
        {
            Complete(batch, await commit(batch.Select(w => w.Item).ToList()));
            return;
        }
        catch (Exception e) when (batch.Count > 1)
        {
            // One caller's bad item must not fail the others: each goes again on its own.
            log.LogWarning(e, "Committing {Count} {What} together failed; committing them one by one", batch.Count, what);
        }
        catch (Exception e)
        {
            batch[0].Done.TrySetException(e);
            return;
        }
        foreach (var waiting in batch)
        {
            try
            {
                Complete([waiting], await commit([waiting.Item]));
            }
            catch (Exception e)
            {
                waiting.Done.TrySetException(e);
            }
        }
    }

    private static void Complete(List<Waiting> batch, IReadOnlyList<TResult> results)
    {
        for (var i = 0; i < batch.Count; i++) batch[i].Done.TrySetResult(results[i]);
    }
}
