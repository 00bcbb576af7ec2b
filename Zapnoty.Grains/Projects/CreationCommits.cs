using Microsoft.Extensions.Logging;
using Npgsql;

namespace Zapnoty.Grains.Projects;

/// <summary>
/// The silo's group commit of ticket creations across projects. Each project grain already puts
/// the creations that queue up behind its transaction into its next one; here the groups of all
/// projects that arrive while the silo's previous transactions run share the next transaction,
/// so a silo serving many quiet projects also pays one round trip and one commit per batch.
/// An idle silo writes a group at once: nothing waits for company.
/// </summary>
public sealed class CreationCommits(TicketCreationStore store, ILogger<CreationCommits> log)
{
    // More tickets per transaction lengthen the time the project rows stay locked for little gain.
    private const int MaxTicketsPerTransaction = 512;

    // Two transactions in flight: one can run its statements while the other waits for its WAL flush.
    private const int Writers = 2;

    private readonly Lock _gate = new();
    private readonly List<(CreationGroup Group, TaskCompletionSource<CreatedTickets> Done)> _waiting = [];
    private int _writers;
    private long _transactions;

    /// <summary>Transactions this silo has sent for creations so far (each one round trip).</summary>
    public long Transactions => Interlocked.Read(ref _transactions);

    /// <summary>Inserts the group with whatever other projects' groups are waiting; fails only if the group fails on its own.</summary>
    public Task<CreatedTickets> Insert(CreationGroup group)
    {
        var done = new TaskCompletionSource<CreatedTickets>(TaskCreationOptions.RunContinuationsAsynchronously);
        bool start;
        lock (_gate)
        {
            _waiting.Add((group, done));
            start = _writers < Writers;
            if (start) _writers++;
        }
        // Off the calling grain's scheduler: the writer serves every project.
        if (start) _ = Task.Run(Write);
        return done.Task;
    }

    private async Task Write()
    {
        while (true)
        {
            var batch = new List<(CreationGroup Group, TaskCompletionSource<CreatedTickets> Done)>();
            lock (_gate)
            {
                if (_waiting.Count == 0)
                {
                    _writers--;
                    return;
                }
                var tickets = 0;
                var projects = new HashSet<Guid>();
                for (var i = 0; i < _waiting.Count;)
                {
                    var next = _waiting[i];
                    // One group per project in a transaction; the first group always goes, however large.
                    if (batch.Count > 0 && (tickets + next.Group.Tickets.Count > MaxTicketsPerTransaction || projects.Contains(next.Group.ProjectId)))
                    {
                        i++;
                        continue;
                    }
                    batch.Add(next);
                    projects.Add(next.Group.ProjectId);
                    tickets += next.Group.Tickets.Count;
                    _waiting.RemoveAt(i);
                }
            }
            await InsertTogether(batch);
        }
    }

    private async Task InsertTogether(List<(CreationGroup Group, TaskCompletionSource<CreatedTickets> Done)> batch)
    {
        Interlocked.Increment(ref _transactions);
        try
        {
            var created = await store.Insert(batch.Select(b => b.Group).ToList(), CancellationToken.None);
            for (var i = 0; i < batch.Count; i++) batch[i].Done.SetResult(created[i]);
        }
        catch (Exception e) when (batch.Count > 1 && e is PostgresException or DomainException)
        {
            // One project's failure must not fail the others: each group on its own, and the
            // project grain splits a failing group further.
            log.LogWarning(e, "Creations of {Count} projects failed together; retrying each project on its own", batch.Count);
            await Task.WhenAll(batch.Select(b => InsertTogether([b])));
        }
        catch (Exception e)
        {
            foreach (var (_, done) in batch) done.TrySetException(e);
        }
    }
}
