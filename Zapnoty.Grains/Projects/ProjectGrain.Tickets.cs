using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Timers;
using Npgsql;
using Zapnoty.Grains.Storage;
using Zapnoty.Grains.Channels;
using Zapnoty.Grains.Cluster;
using Zapnoty.Grains.SlaPolicies;
using Zapnoty.Grains.Tickets;
using Zapnoty.Grains.Webhooks;

namespace Zapnoty.Grains.Projects;

/// <summary>Ticket creation with numbers from the project row, grouped into shared transactions.</summary>
public sealed partial class ProjectGrain
{
    // A bigger group holds the project row lock longer for little gain in throughput.
    private const int MaxTicketsPerTransaction = 256;

    // Each registration in flight holds a connection of Orleans' own pool (one upsert, one
    // commit): a whole group at once could open hundreds, next to our pool, on every silo.
    private const int ParallelRegistrations = 16;

    private readonly Queue<(PreparedTicket Ticket, TaskCompletionSource<TicketView> Done)> _pendingCreations = new();
    private bool _flushing;

    // Idempotency keys of the creations queued or being inserted here, with the request that sent each.
    private readonly Dictionary<string, (Guid Request, Task<TicketView> Done)> _keysInFlight = new();

    public async Task<TicketView> CreateTicket(NewTicket request)
    {
        // The policies are read per creation (one call to a grain that keeps them in memory), so a
        // change applies to the very next ticket. Before the key check: from that check to the
        // key's registration below nothing may interleave.
        var sla = await GrainFactory.GetGrain<ISlaPolicyGrain>(ProjectId).Setup();
        if (request.Key is { } key && _keysInFlight.TryGetValue(key.Key, out var inFlight))
        {
            // The API's own retry of a call still running here waits for it; another request with the key is told to wait.
            if (inFlight.Request == key.Request) return await inFlight.Done;
            throw DomainException.Conflict("A request with this Idempotency-Key is still being processed; repeat it once that one has been answered.",
                "Idempotency-Key");
        }
        var prepared = Prepare(request, sla);
        var done = new TaskCompletionSource<TicketView>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pendingCreations.Enqueue((prepared, done));
        if (request.Key is { } claimed) _keysInFlight[claimed.Key] = (claimed.Request, done.Task);
        if (!_flushing) _ = FlushCreations();
        try
        {
            return await done.Task;
        }
        finally
        {
            if (request.Key is { } finished) _keysInFlight.Remove(finished.Key);
        }
    }

    /// <summary>
    /// A creation whose idempotency key is already stored wrote nothing: it answers the ticket the
    /// key created (a repeat, or the API's retry of a call whose silo left after it ran).
    /// </summary>
    private async Task<TicketView> CreatedBefore(WriteKey key, PostgresException taken)
    {
        var stored = await ServiceProvider.GetRequiredService<IdempotencyKeys>().Find(ProjectId, key.Key, clock.GetUtcNow(), CancellationToken.None)
            ?? throw taken;
        IdempotencyKeys.RequireSameRequest(stored, key);
        return await GrainFactory.GetGrain<ITicketGrain>(stored.TicketId).Summary();
    }

    /// <summary>
    /// Where new tickets' SLA reminders are written. A target further away than Orleans' next
    /// refresh of its reminder list gets its reminder row in the creation's own transaction (no
    /// commit per reminder, none lost to a crash). A nearer one cannot wait for that refresh: it is
    /// registered after the commit (<see cref="RegisterSlaReminders"/>).
    /// </summary>
    private (IReadOnlyList<NpgsqlBatchCommand> InTransaction, IReadOnlyList<(Guid TicketId, DateTimeOffset Due)> AfterCommit)
        PlanSlaReminders(IReadOnlyList<PreparedTicket> tickets)
    {
        var split = tickets
            .Select(t => (TicketId: t.Id, Due: Sla.FirstDue(t.FirstReplyDueAt, t.ResolveDueAt)))
            .Where(t => t.Due is not null)
            .Select(t => (t.TicketId, Due: t.Due!.Value))
            .ToLookup(t => slaReminders.LoadsInTime(t.Due));
        var rows = split[true].ToList();
        return (rows.Count > 0 ? [slaReminders.Insert(rows)] : [], split[false].ToList());
    }

    /// <summary>
    /// Registers the reminders of targets too near to be left to Orleans' refresh, without
    /// activating the ticket grains, several at a time: the next group waits for a few rounds of
    /// upserts, not for one per ticket. If this silo dies first, the SLA sweeper finds the
    /// overlooked breaches.
    /// </summary>
    private async Task RegisterSlaReminders(IReadOnlyList<(Guid TicketId, DateTimeOffset Due)> tickets)
    {
        if (tickets.Count == 0) return;
        var reminders = ServiceProvider.GetRequiredService<IReminderRegistry>();
        var period = ServiceProvider.GetRequiredService<IOptions<SlaOptions>>().Value.ReminderPeriod;
        // The lanes run on this grain's scheduler, one step at a time, so the shared index needs no lock.
        var next = 0;
        async Task Lane()
        {
            while (next < tickets.Count)
            {
                var (ticketId, due) = tickets[next++];
                try
                {
                    var wait = due - clock.GetUtcNow();
                    await reminders.RegisterOrUpdateReminder(slaReminders.GrainOf(ticketId), TicketGrain.SlaReminder,
                        wait > TimeSpan.FromSeconds(1) ? wait : TimeSpan.FromSeconds(1), period);
                }
                catch (Exception e)
                {
                    log.LogWarning(e, "SLA reminder of ticket {TicketId} not registered; the sweeper will catch its breach", ticketId);
                }
            }
        }
        await Task.WhenAll(Enumerable.Range(0, Math.Min(ParallelRegistrations, tickets.Count)).Select(_ => Lane()));
    }

    private PreparedTicket Prepare(NewTicket request, SlaSetup sla)
    {
        var state = State;
        TicketRules.RequireContent(request.Text, request.Origin);
        var customer = request.Customer;
        if (string.IsNullOrWhiteSpace(customer.ExternalId))
            throw DomainException.Invalid("customer.external_id", "The customer's external_id is required.");
        if (customer.ExternalId.Length > TicketLimits.MaxExternalIdLength)
            throw DomainException.Invalid("customer.external_id", $"external_id must be at most {TicketLimits.MaxExternalIdLength} characters.");
        if (customer.Name?.Length > TicketLimits.MaxNameLength)
            throw DomainException.Invalid("customer.name", $"The customer's name must be at most {TicketLimits.MaxNameLength} characters.");
        if (request.Subject?.Length > TicketLimits.MaxSubjectLength)
            throw DomainException.Invalid("subject", $"The subject must be at most {TicketLimits.MaxSubjectLength} characters.");

        string? typeName = null;
        if (request.TypeId is { } typeId)
        {
            var type = state.TicketTypes.FirstOrDefault(t => t.Id == typeId && !t.Archived)
                ?? throw DomainException.Invalid("type_id", $"Ticket type {typeId} does not exist in this project.");
            typeName = type.Name;
        }

        var now = clock.StoredNow();
        var priority = request.Priority ?? TicketPriority.Normal;
        // The most specific policy sets the targets; with none, the project settings do, around the clock as before.
        var policy = sla.For(priority, request.TypeId);
        var targets = sla.ClockFor(policy);
        return new PreparedTicket(
            Guid.NewGuid(), request, TicketRules.SubjectFor(request.Subject, request.Text, request.Origin),
            priority, typeName, now,
            policy is null ? DueAfter(now, state.Settings.SlaFirstReplyHours) : targets.AddMinutes(now, policy.FirstReplyMinutes),
            policy is null ? DueAfter(now, state.Settings.SlaResolveHours) : targets.AddMinutes(now, policy.ResolveMinutes),
            Guid.NewGuid(), Guid.NewGuid(), policy);
    }

    private static DateTimeOffset? DueAfter(DateTimeOffset start, decimal? hours) =>
        hours is { } h ? start + TimeSpan.FromHours((double)h) : null;

    /// <summary>
    /// Drains the queue of creations that arrived while the previous transaction ran: all of
    /// them go into the next transaction. Runs on the grain's scheduler, so the queue needs no lock.
    /// </summary>
    private async Task FlushCreations()
    {
        _flushing = true;
        try
        {
            while (_pendingCreations.Count > 0)
            {
                var group = new List<(PreparedTicket Ticket, TaskCompletionSource<TicketView> Done)>();
                while (group.Count < MaxTicketsPerTransaction && _pendingCreations.TryDequeue(out var next))
                    group.Add(next);
                await InsertGroup(group);
            }
        }
        finally
        {
            _flushing = false;
        }
    }

    private async Task InsertGroup(List<(PreparedTicket Ticket, TaskCompletionSource<TicketView> Done)> group)
    {
        try
        {
            var tickets = group.Select(g => g.Ticket).ToList();
            var (reminderRows, reminderLater) = PlanSlaReminders(tickets);
            var created = await creations.Insert(ProjectId, tickets, reminderRows, CancellationToken.None);
            for (var i = 0; i < group.Count; i++) group[i].Done.SetResult(created.Tickets[i]);
            metrics.TicketsCreated(group.Count);
            if (created.Deliveries > 0) GrainFactory.GetGrain<IWebhookDispatcherGrain>(ProjectId).Nudge().Ignore();
            GrainFactory.GetGrain<Live.ILiveHubGrain>(ProjectId).Changed().Ignore();
            GrainFactory.GetGrain<Assignment.IAssignmentGrain>(ProjectId).Nudge().Ignore();
            foreach (var botId in created.BotsToSend) GrainFactory.GetGrain<IChannelSenderGrain>(botId).Nudge().Ignore();
            await RegisterSlaReminders(reminderLater);
            await Rules.NewTicketRules.Arm(ServiceProvider, GrainFactory, ProjectId, created.Tickets);
        }
        catch (PostgresException e) when (group.Count > 1 && !e.IsTransient)
        {
            // One bad request must not fail its neighbours: retry each on its own.
            log.LogWarning(e, "Group of {Count} ticket creations failed for project {ProjectId}; retrying one by one", group.Count, ProjectId);
            foreach (var single in group) await InsertGroup([single]);
        }
        catch (PostgresException e) when (IdempotencyKeys.IsTaken(e) && group[0].Ticket.Request.Key is { } key)
        {
            // Only a group of one gets here (larger groups retry one by one).
            try { group[0].Done.TrySetResult(await CreatedBefore(key, e)); }
            catch (Exception failure) { group[0].Done.TrySetException(failure); }
        }
        catch (PostgresException e) when (ChannelWrites.IsAlreadyApplied(e))
        {
            // Only a group of one gets here (larger groups retry one by one).
            foreach (var (_, done) in group) done.TrySetException(new UpdateAlreadyApplied(e.MessageText));
        }
        catch (Exception e)
        {
            foreach (var (_, done) in group) done.TrySetException(e);
        }
    }
}
