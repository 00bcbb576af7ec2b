using Npgsql;
using Zapnoty.Grains.Channels;
using Zapnoty.Grains.Team;
using Zapnoty.Grains.Tickets;
using Zapnoty.Grains.Webhooks;

namespace Zapnoty.Grains.Projects;

/// <summary>A validated creation request with everything decided except its number.</summary>
public sealed record PreparedTicket(
    Guid Id,
    NewTicket Request,
    string Subject,
    TicketPriority Priority,
    string? TypeName,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FirstReplyDueAt,
    DateTimeOffset? ResolveDueAt,
    Guid MessageId,
    Guid NewCustomerId,
    SlaPolicies.SlaPolicy? SlaPolicy = null);

/// <summary>The creations of one project that go into a shared transaction, with what commits or rolls back with them.</summary>
public sealed record CreationGroup(Guid ProjectId, IReadOnlyList<PreparedTicket> Tickets, IReadOnlyList<NpgsqlBatchCommand> Also);

/// <summary>
/// Inserts groups of new tickets, of one project or of several, in one transaction sent to
/// PostgreSQL in one round trip, numbering each project's tickets consecutively from
/// <c>projects.next_ticket_number</c>.
/// </summary>
public sealed partial class TicketCreationStore(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Inserts the tickets; <paramref name="also"/> (such as their SLA reminder rows) commits or
    /// rolls back with them.
    /// </summary>
    public async Task<CreatedTickets> Insert(Guid projectId, IReadOnlyList<PreparedTicket> tickets, IReadOnlyList<NpgsqlBatchCommand> also,
        CancellationToken cancellationToken) =>
        (await Insert([new CreationGroup(projectId, tickets, also)], cancellationToken))[0];

    /// <summary>
    /// Inserts every group in one transaction: all of them or none. The whole transaction is one
    /// <see cref="NpgsqlBatch"/> without an explicit transaction, which PostgreSQL runs as one
    /// implicit transaction ending at the batch's single Sync: one network round trip, and the
    /// project rows stay locked only while the server runs the statements and commits, never
    /// while the silo waits on its scheduler or the network.
    /// </summary>
    public async Task<IReadOnlyList<CreatedTickets>> Insert(IReadOnlyList<CreationGroup> groups, CancellationToken cancellationToken)
    {
        if (groups.Select(g => g.ProjectId).Distinct().Count() != groups.Count)
            throw new ArgumentException("One group per project: a project's creations share one range of numbers.", nameof(groups));
        // Locks are taken in project order, so two transactions holding several projects each cannot deadlock.
        var ordered = groups.OrderBy(g => g.ProjectId).ToList();
        var tickets = ordered.SelectMany(g => g.Tickets.Select(t => (g.ProjectId, Ticket: t))).ToList();
        var views = tickets.ToDictionary(t => t.Ticket.Id, t => Provisional(t.ProjectId, t.Ticket));
        var events = tickets.Select(t => (t.ProjectId, Event: TicketEvents.Of(TicketEventTypes.Created, views[t.Ticket.Id], t.Ticket.CreatedAt,
            TeamDirectory.Empty, FirstMessage(t.Ticket)))).ToList();

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                LockProjects(ordered.Select(g => g.ProjectId).ToArray()),
                UpsertCustomers(tickets),
                InsertNumbered(tickets),
                InsertFirstMessages(tickets),
                TicketWrites.InsertHistory(
                    tickets.Select(t => t.Ticket.Id).ToArray(),
                    tickets.Select(t => new HistoryEntry(t.Ticket.CreatedAt, t.Ticket.Request.Actor, "status", null, TicketStatus.New.Wire())).ToArray()),
                InsertEvents(events, tickets[0].Ticket.CreatedAt),
            },
        };
        // A ticket opened from a chat: its update is applied now, the chat follows the ticket,
        // and the bot's confirmation (with the number) is queued — all in this transaction.
        foreach (var (projectId, t) in tickets)
            if (t.Request.Origin is { } origin)
            {
                batch.BatchCommands.Add(ChannelWrites.FollowTicket(projectId, origin.Route, t.Id, t.CreatedAt));
                batch.BatchCommands.Add(ChannelWrites.Claim(origin.Route.BotId, origin.UpdateKey, t.CreatedAt));
                if (origin.BotAnswer is { } answer) batch.BatchCommands.Add(EnqueueNumberedAnswer(origin.Route, answer, t.Id, t.CreatedAt));
            }
        foreach (var group in ordered)
        {
            foreach (var command in group.Also) batch.BatchCommands.Add(command);
            // The idempotency keys commit with their tickets; a key already stored fails the whole transaction.
            var keyed = group.Tickets.Where(t => t.Request.Key is not null).Select(t => (t.Request.Key!, t.Id, (Guid?)null)).ToList();
            foreach (var command in Cluster.IdempotencyKeys.Claim(group.ProjectId, keyed, group.Tickets[0].CreatedAt)) batch.BatchCommands.Add(command);
        }

        var locked = new HashSet<Guid>();
        var stored = new Dictionary<(Guid Project, string Channel, string ExternalId), CustomerView>();
        var numbers = new Dictionary<Guid, long>();
        var deliveries = new Dictionary<Guid, int>();
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            // Only the statements that return rows have results here, in batch order; any
            // failure of a later statement surfaces while the rest is drained.
            while (await reader.ReadAsync(cancellationToken)) locked.Add(reader.GetGuid(0));
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                stored[(reader.GetGuid(0), reader.GetString(2), reader.GetString(3))] = new CustomerView(reader.GetGuid(1), reader.GetString(3),
                    reader.IsDBNull(4) ? null : reader.GetString(4),
                    reader.IsDBNull(5) ? null : reader.GetString(5),
                    reader.IsDBNull(6) ? null : reader.GetString(6));
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) numbers[reader.GetGuid(0)] = reader.GetInt64(1);
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                deliveries[reader.GetGuid(0)] = deliveries.GetValueOrDefault(reader.GetGuid(0)) + 1;
            while (await reader.NextResultAsync(cancellationToken)) { }
        }
        // A ticket without its number could not have committed (its first message references
        // it); a project not locked had no row, and its tickets failed the same way.
        if (locked.Count != ordered.Count || numbers.Count != tickets.Count)
            throw new DomainException(DomainErrorKind.NotFound, "Project not found.");

        var results = ordered.ToDictionary(g => g.ProjectId, g => new CreatedTickets(
            g.Tickets.Select(t => views[t.Id] with
            {
                Number = numbers[t.Id],
                Customer = stored[(g.ProjectId, t.Request.Channel.Wire(), t.Request.Customer.ExternalId)],
            }).ToList(),
            deliveries.GetValueOrDefault(g.ProjectId),
            g.Tickets.Where(t => t.Request.Origin?.BotAnswer is not null).Select(t => t.Request.Origin!.Route.BotId).Distinct().ToList()));
        return groups.Select(g => results[g.ProjectId]).ToList();
    }

    /// <summary>The ticket as it will be stored, before PostgreSQL has given it its number and customer row.</summary>
    private static TicketView Provisional(Guid projectId, PreparedTicket t) => new(
        t.Id, projectId, 0, t.Subject, TicketStatus.New, t.Priority, t.Request.TypeId, t.TypeName,
        AssigneeId: null, t.Request.Channel,
        new CustomerView(t.NewCustomerId, t.Request.Customer.ExternalId, t.Request.Customer.Name, t.Request.Customer.Email, t.Request.Customer.Username),
        t.CreatedAt, t.CreatedAt, FirstReplyAt: null, ClosedAt: null, t.FirstReplyDueAt, t.ResolveDueAt, Version: 1,
        t.Request.Origin?.Route, SlaPolicy: t.SlaPolicy);

    public static MessageView FirstMessage(PreparedTicket t) =>
        new(t.MessageId, MessageAuthor.Customer, null, t.Request.Text, t.CreatedAt, Delivery.Delivered, null,
            t.Request.Origin?.Attachments ?? [], t.Request.Origin?.ChannelMessageId);
}

/// <summary>
/// The tickets as stored, how many webhook deliveries their <c>ticket.created</c> events
/// started, and the bots with answers queued for chats.
/// </summary>
public sealed record CreatedTickets(IReadOnlyList<TicketView> Tickets, int Deliveries, IReadOnlyList<Guid> BotsToSend);
