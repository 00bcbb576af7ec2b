using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Timers;
using Npgsql;
using Zapnoty.Grains.Storage;
using Zapnoty.Grains.Channels;
using Zapnoty.Grains.Tickets;
using Zapnoty.Grains.Webhooks;

namespace Zapnoty.Grains.Projects;

/// <summary>Ticket creation with numbers from the project row, grouped into shared transactions.</summary>
public sealed partial class ProjectGrain
{
    // A bigger group holds the project row lock longer for little gain in throughput.
    private const int MaxTicketsPerTransaction = 256;

    private readonly Queue<(PreparedTicket Ticket, TaskCompletionSource<TicketView> Done)> _pendingCreations = new();
    private bool _flushing;

    public async Task<TicketView> CreateTicket(NewTicket request)
    {
        var prepared = Prepare(request);
        var done = new TaskCompletionSource<TicketView>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pendingCreations.Enqueue((prepared, done));
        if (!_flushing) _ = FlushCreations();
        return await done.Task;
    }

    /// <summary>
    /// New tickets with SLA targets get their reminder without activating their grains. If
    /// this silo dies first, the SLA sweeper finds the overlooked breaches.
    /// </summary>
    private async Task ArmSlaReminders(IReadOnlyList<TicketView> tickets)
    {
        var reminders = ServiceProvider.GetRequiredService<IReminderRegistry>();
        var period = ServiceProvider.GetRequiredService<IOptions<SlaOptions>>().Value.ReminderPeriod;
        foreach (var ticket in tickets)
        {
            if (Sla.NextDue(ticket) is not { } due) continue;
            try
            {
                var wait = due - clock.GetUtcNow();
                await reminders.RegisterOrUpdateReminder(GrainFactory.GetGrain<ITicketGrain>(ticket.Id).GetGrainId(), TicketGrain.SlaReminder,
                    wait > TimeSpan.FromSeconds(1) ? wait : TimeSpan.FromSeconds(1), period);
            }
            catch (Exception e)
            {
                log.LogWarning(e, "SLA reminder of ticket {TicketId} not registered; the sweeper will catch its breach", ticket.Id);
            }
        }
    }

    private PreparedTicket Prepare(NewTicket request)
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
        return new PreparedTicket(
            Guid.NewGuid(), request, TicketRules.SubjectFor(request.Subject, request.Text, request.Origin),
            request.Priority ?? TicketPriority.Normal, typeName, now,
            DueAfter(now, state.Settings.SlaFirstReplyHours), DueAfter(now, state.Settings.SlaResolveHours),
            Guid.NewGuid(), Guid.NewGuid());
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
            var created = await creations.Insert(ProjectId, group.Select(g => g.Ticket).ToList(), CancellationToken.None);
            for (var i = 0; i < group.Count; i++) group[i].Done.SetResult(created.Tickets[i]);
            metrics.TicketsCreated(group.Count);
            if (created.Deliveries > 0) GrainFactory.GetGrain<IWebhookDispatcherGrain>(ProjectId).Nudge().Ignore();
            foreach (var botId in created.BotsToSend) GrainFactory.GetGrain<IChannelSenderGrain>(botId).Nudge().Ignore();
            await ArmSlaReminders(created.Tickets);
        }
        catch (PostgresException e) when (group.Count > 1 && !e.IsTransient)
        {
            // One bad request must not fail its neighbours: retry each on its own.
            log.LogWarning(e, "Group of {Count} ticket creations failed for project {ProjectId}; retrying one by one", group.Count, ProjectId);
            foreach (var single in group) await InsertGroup([single]);
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
