using Npgsql;
using NpgsqlTypes;
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

/// <summary>
/// Inserts a group of new tickets of one project in one transaction, numbering them
/// consecutively from <c>projects.next_ticket_number</c>.
/// </summary>
public sealed class TicketCreationStore(NpgsqlDataSource dataSource)
{
    // The project row is locked before anything else, so every creation takes its locks in one
    // order. NO KEY UPDATE (what the UPDATE of next_ticket_number takes anyway) serialises
    // creations without blocking the KEY SHARE locks that foreign keys take: a transaction that
    // numbered its event (project_event_seqs, locked until commit) and then inserts a row
    // referencing the project must not wait for a creation waiting for that event number.
    private const string LockProject = "SELECT 1 FROM projects WHERE id = $1 FOR NO KEY UPDATE";

    private const string UpsertCustomers = """
        INSERT INTO customers (id, project_id, channel, external_id, name, email, username, created_at)
        SELECT c.id, $1, c.channel, c.external_id, c.name, c.email, c.username, c.created_at
          FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[])
               AS c(id, channel, external_id, name, email, username, created_at)
        ON CONFLICT (project_id, channel, external_id) DO UPDATE
           SET name = COALESCE(EXCLUDED.name, customers.name),
               email = COALESCE(EXCLUDED.email, customers.email),
               username = COALESCE(EXCLUDED.username, customers.username)
        RETURNING id, channel, external_id, name, email, username
        """;

    // Why this is gapless and unique under any concurrency: FOR NO KEY UPDATE makes every other
    // creation for the project wait on the project row until this transaction ends; under
    // READ COMMITTED the waiter then re-reads the committed next_ticket_number. The range
    // [first, first + count) is taken and the tickets inserted in the same statement, so a
    // rollback returns the whole range. UNIQUE (project_id, number) stays as the backstop.
    private const string InsertNumberedTickets = """
        WITH locked AS (
                SELECT next_ticket_number FROM projects WHERE id = $1 FOR NO KEY UPDATE),
             taken AS (
                UPDATE projects p SET next_ticket_number = locked.next_ticket_number + $2
                  FROM locked WHERE p.id = $1
                RETURNING locked.next_ticket_number AS first_number)
        INSERT INTO tickets (id, project_id, number, subject, status, priority, type_id, channel, customer_id,
                             created_at, updated_at, first_reply_due_at, resolve_due_at, bot_id, chat_id, sla_policy)
        SELECT b.id, $1, taken.first_number + b.ord - 1, b.subject, 'new', b.priority, b.type_id, b.channel, c.id,
               b.created_at, b.created_at, b.first_reply_due_at, b.resolve_due_at, b.bot_id, b.chat_id, b.sla_policy::jsonb
          FROM taken
         CROSS JOIN unnest($3::uuid[], $4::text[], $5::text[], $6::uuid[], $7::text[], $8::text[],
                           $9::timestamptz[], $10::timestamptz[], $11::timestamptz[], $12::uuid[], $13::text[], $14::text[])
               WITH ORDINALITY AS b(id, subject, priority, type_id, channel, external_id,
                                    created_at, first_reply_due_at, resolve_due_at, bot_id, chat_id, sla_policy, ord)
          JOIN customers c ON c.project_id = $1 AND c.channel = b.channel AND c.external_id = b.external_id
        RETURNING id, number
        """;

    private const string InsertFirstMessages = """
        INSERT INTO ticket_messages (id, ticket_id, project_id, author, text, created_at, delivery, attachments, channel_message_id)
        SELECT m.id, m.ticket_id, $1, 'customer', m.text, m.created_at, 'delivered', m.attachments::jsonb, m.channel_message_id
          FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::timestamptz[], $6::text[], $7::text[])
               AS m(id, ticket_id, text, created_at, attachments, channel_message_id)
        """;

    /// <summary>
    /// Inserts the tickets; <paramref name="also"/> (such as their SLA reminder rows) commits or
    /// rolls back with them.
    /// </summary>
    public async Task<CreatedTickets> Insert(Guid projectId, IReadOnlyList<PreparedTicket> tickets, IReadOnlyList<NpgsqlBatchCommand> also,
        CancellationToken cancellationToken)
    {
        var customers = tickets
            .GroupBy(t => (t.Request.Channel, t.Request.Customer.ExternalId))
            .Select(g => (g.First().NewCustomerId, g.Key.Channel, g.Key.ExternalId, g.Last().Request.Customer, g.First().CreatedAt))
            .ToArray();

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand(LockProject) { Parameters = { new() { Value = projectId } } },
                new NpgsqlBatchCommand(UpsertCustomers)
                {
                    Parameters =
                    {
                        new() { Value = projectId },
                        new() { Value = customers.Select(c => c.NewCustomerId).ToArray() },
                        new() { Value = customers.Select(c => c.Channel.Wire()).ToArray() },
                        new() { Value = customers.Select(c => c.ExternalId).ToArray() },
                        new() { Value = customers.Select(c => c.Customer.Name).ToArray() },
                        new() { Value = customers.Select(c => c.Customer.Email).ToArray() },
                        new() { Value = customers.Select(c => c.Customer.Username).ToArray() },
                        new() { Value = customers.Select(c => c.CreatedAt).ToArray() },
                    },
                },
                new NpgsqlBatchCommand(InsertNumberedTickets)
                {
                    Parameters =
                    {
                        new() { Value = projectId },
                        new() { Value = (long)tickets.Count },
                        new() { Value = tickets.Select(t => t.Id).ToArray() },
                        new() { Value = tickets.Select(t => t.Subject).ToArray() },
                        new() { Value = tickets.Select(t => t.Priority.Wire()).ToArray() },
                        new() { Value = tickets.Select(t => t.Request.TypeId).ToArray() },
                        new() { Value = tickets.Select(t => t.Request.Channel.Wire()).ToArray() },
                        new() { Value = tickets.Select(t => t.Request.Customer.ExternalId).ToArray() },
                        new() { Value = tickets.Select(t => t.CreatedAt).ToArray() },
                        new() { Value = tickets.Select(t => t.FirstReplyDueAt).ToArray() },
                        new() { Value = tickets.Select(t => t.ResolveDueAt).ToArray() },
                        new() { Value = tickets.Select(t => t.Request.Origin?.Route.BotId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
                        new() { Value = tickets.Select(t => t.Request.Origin?.Route.ChatId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                        new()
                        {
                            Value = tickets.Select(t => t.SlaPolicy is { } policy ? SlaPolicies.SlaPolicyStore.Json(policy) : null).ToArray(),
                            NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text,
                        },
                    },
                },
                new NpgsqlBatchCommand(InsertFirstMessages)
                {
                    Parameters =
                    {
                        new() { Value = projectId },
                        new() { Value = tickets.Select(t => t.MessageId).ToArray() },
                        new() { Value = tickets.Select(t => t.Id).ToArray() },
                        new() { Value = tickets.Select(t => t.Request.Text).ToArray() },
                        new() { Value = tickets.Select(t => t.CreatedAt).ToArray() },
                        new() { Value = tickets.Select(t => TicketWrites.AttachmentsJson(t.Request.Origin?.Attachments)).ToArray() },
                        new() { Value = tickets.Select(t => t.Request.Origin?.ChannelMessageId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                    },
                },
                TicketWrites.InsertHistory(
                    tickets.Select(t => t.Id).ToArray(),
                    tickets.Select(t => new HistoryEntry(t.CreatedAt, t.Request.Actor, "status", null, TicketStatus.New.Wire())).ToArray()),
            },
        };

        var stored = new Dictionary<(string Channel, string ExternalId), CustomerView>();
        var numbers = new Dictionary<Guid, long>();
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken))
                throw new DomainException(DomainErrorKind.NotFound, "Project not found.");
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                stored[(reader.GetString(1), reader.GetString(2))] = new CustomerView(reader.GetGuid(0), reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3),
                    reader.IsDBNull(4) ? null : reader.GetString(4),
                    reader.IsDBNull(5) ? null : reader.GetString(5));
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                numbers[reader.GetGuid(0)] = reader.GetInt64(1);
        }
        if (numbers.Count != tickets.Count)
            throw new InvalidOperationException($"Inserted {numbers.Count} of {tickets.Count} tickets; rolling back.");

        var views = tickets.Select(t => new TicketView(
            t.Id, projectId, numbers[t.Id], t.Subject, TicketStatus.New, t.Priority, t.Request.TypeId, t.TypeName,
            AssigneeId: null, t.Request.Channel, stored[(t.Request.Channel.Wire(), t.Request.Customer.ExternalId)],
            t.CreatedAt, t.CreatedAt, FirstReplyAt: null, ClosedAt: null, t.FirstReplyDueAt, t.ResolveDueAt, Version: 1,
            t.Request.Origin?.Route, SlaPolicy: t.SlaPolicy)).ToList();

        // The payloads need the numbers and customers the first round trip decided.
        var events = views.Zip(tickets, (view, t) => TicketEvents.Of(TicketEventTypes.Created, view, t.CreatedAt, TeamDirectory.Empty,
            FirstMessage(t))).ToList();
        await using var outbox = new NpgsqlBatch(connection, transaction) { BatchCommands = { OutboxWrites.Insert(projectId, events, tickets[0].CreatedAt) } };
        // A ticket opened from a chat: its update is applied now, the chat follows the ticket,
        // and the bot's confirmation (with the number) is queued — all in this transaction.
        foreach (var (view, t) in views.Zip(tickets))
            if (t.Request.Origin is { } origin)
            {
                outbox.BatchCommands.Add(ChannelWrites.FollowTicket(projectId, origin.Route, t.Id, t.CreatedAt));
                foreach (var command in ChannelWrites.ForOrigin(origin, t.Id, view.Number, t.CreatedAt)) outbox.BatchCommands.Add(command);
            }
        foreach (var command in also) outbox.BatchCommands.Add(command);
        // The idempotency keys commit with their tickets; a key already stored fails the whole transaction.
        var keyed = tickets.Where(t => t.Request.Key is not null).Select(t => (t.Request.Key!, t.Id, (Guid?)null)).ToList();
        foreach (var command in Cluster.IdempotencyKeys.Claim(projectId, keyed, tickets[0].CreatedAt)) outbox.BatchCommands.Add(command);
        await outbox.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new CreatedTickets(views, outbox.BatchCommands[0].RecordsAffected,
            tickets.Where(t => t.Request.Origin?.BotAnswer is not null).Select(t => t.Request.Origin!.Route.BotId).Distinct().ToList());
    }

    public static MessageView FirstMessage(PreparedTicket t) =>
        new(t.MessageId, MessageAuthor.Customer, null, t.Request.Text, t.CreatedAt, Delivery.Delivered, null,
            t.Request.Origin?.Attachments ?? [], t.Request.Origin?.ChannelMessageId);
}

/// <summary>
/// The tickets as stored, how many webhook deliveries their <c>ticket.created</c> events
/// started, and the bots with answers queued for chats.
/// </summary>
public sealed record CreatedTickets(IReadOnlyList<TicketView> Tickets, int Deliveries, IReadOnlyList<Guid> BotsToSend);
