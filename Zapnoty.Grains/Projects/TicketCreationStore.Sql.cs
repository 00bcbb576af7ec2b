using Npgsql;
using NpgsqlTypes;
using Zapnoty.Grains.Channels;
using Zapnoty.Grains.Tickets;
using Zapnoty.Grains.Webhooks;

namespace Zapnoty.Grains.Projects;

/// <summary>The statements of a creation batch, each over arrays holding every ticket of every group.</summary>
public sealed partial class TicketCreationStore
{
    // The project rows are locked before anything else, in id order, so every creation takes its
    // locks in one order. NO KEY UPDATE (what the UPDATE of next_ticket_number takes anyway)
    // serialises creations without blocking the KEY SHARE locks that foreign keys take: a
    // transaction that numbered its event (project_event_seqs, locked until commit) and then
    // inserts a row referencing the project must not wait for a creation waiting for that event number.
    private static NpgsqlBatchCommand LockProjects(Guid[] projectIds) =>
        new("SELECT id FROM projects WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE") { Parameters = { new() { Value = projectIds } } };

    // Each (project, channel, external id) once: ON CONFLICT cannot touch one row twice in a statement.
    private static NpgsqlBatchCommand UpsertCustomers(IReadOnlyList<(Guid ProjectId, PreparedTicket Ticket)> tickets)
    {
        var customers = tickets
            .GroupBy(t => (t.ProjectId, Channel: t.Ticket.Request.Channel.Wire(), t.Ticket.Request.Customer.ExternalId))
            .OrderBy(g => g.Key.ProjectId).ThenBy(g => g.Key.Channel, StringComparer.Ordinal).ThenBy(g => g.Key.ExternalId, StringComparer.Ordinal)
            .Select(g => (g.Key, g.First().Ticket.NewCustomerId, g.Last().Ticket.Request.Customer, g.First().Ticket.CreatedAt))
            .ToArray();
        return new("""
            INSERT INTO customers (id, project_id, channel, external_id, name, email, username, created_at)
            SELECT c.id, c.project_id, c.channel, c.external_id, c.name, c.email, c.username, c.created_at
              FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[])
                   AS c(project_id, id, channel, external_id, name, email, username, created_at)
            ON CONFLICT (project_id, channel, external_id) DO UPDATE
               SET name = COALESCE(EXCLUDED.name, customers.name),
                   email = COALESCE(EXCLUDED.email, customers.email),
                   username = COALESCE(EXCLUDED.username, customers.username)
            RETURNING project_id, id, channel, external_id, name, email, username
            """)
        {
            Parameters =
            {
                new() { Value = customers.Select(c => c.Key.ProjectId).ToArray() },
                new() { Value = customers.Select(c => c.NewCustomerId).ToArray() },
                new() { Value = customers.Select(c => c.Key.Channel).ToArray() },
                new() { Value = customers.Select(c => c.Key.ExternalId).ToArray() },
                new() { Value = customers.Select(c => c.Customer.Name).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                new() { Value = customers.Select(c => c.Customer.Email).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                new() { Value = customers.Select(c => c.Customer.Username).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                new() { Value = customers.Select(c => c.CreatedAt).ToArray() },
            },
        };
    }

    // Why this is gapless and unique under any concurrency: the first statement locked the
    // project rows until this transaction ends; under READ COMMITTED this statement's snapshot,
    // taken after the locks were granted, sees the committed next_ticket_number. Each project's
    // range [first, first + count) is taken and its tickets inserted in this one statement, and a
    // rollback returns the whole range. UNIQUE (project_id, number) stays as the backstop.
    private static NpgsqlBatchCommand InsertNumbered(IReadOnlyList<(Guid ProjectId, PreparedTicket Ticket)> tickets) => new("""
        WITH b AS (
                SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::uuid[], $6::text[], $7::text[],
                                     $8::timestamptz[], $9::timestamptz[], $10::timestamptz[], $11::uuid[], $12::text[], $13::text[])
                       WITH ORDINALITY AS b(project_id, id, subject, priority, type_id, channel, external_id,
                                            created_at, first_reply_due_at, resolve_due_at, bot_id, chat_id, sla_policy, ord)),
             taken AS (
                UPDATE projects p SET next_ticket_number = p.next_ticket_number + c.n
                  FROM (SELECT project_id, count(*) AS n FROM b GROUP BY project_id) c
                 WHERE p.id = c.project_id
                RETURNING p.id, p.next_ticket_number - c.n AS first_number)
        INSERT INTO tickets (id, project_id, number, subject, status, priority, type_id, channel, customer_id,
                             created_at, updated_at, first_reply_due_at, resolve_due_at, bot_id, chat_id, sla_policy)
        SELECT b.id, b.project_id, taken.first_number + row_number() OVER (PARTITION BY b.project_id ORDER BY b.ord) - 1,
               b.subject, 'new', b.priority, b.type_id, b.channel, c.id,
               b.created_at, b.created_at, b.first_reply_due_at, b.resolve_due_at, b.bot_id, b.chat_id, b.sla_policy::jsonb
          FROM b
          JOIN taken ON taken.id = b.project_id
          JOIN customers c ON c.project_id = b.project_id AND c.channel = b.channel AND c.external_id = b.external_id
         ORDER BY b.project_id, b.ord
        RETURNING id, number
        """)
    {
        Parameters =
        {
            new() { Value = tickets.Select(t => t.ProjectId).ToArray() },
            new() { Value = tickets.Select(t => t.Ticket.Id).ToArray() },
            new() { Value = tickets.Select(t => t.Ticket.Subject).ToArray() },
            new() { Value = tickets.Select(t => t.Ticket.Priority.Wire()).ToArray() },
            new() { Value = tickets.Select(t => t.Ticket.Request.TypeId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
            new() { Value = tickets.Select(t => t.Ticket.Request.Channel.Wire()).ToArray() },
            new() { Value = tickets.Select(t => t.Ticket.Request.Customer.ExternalId).ToArray() },
            new() { Value = tickets.Select(t => t.Ticket.CreatedAt).ToArray() },
            new() { Value = tickets.Select(t => t.Ticket.FirstReplyDueAt).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz },
            new() { Value = tickets.Select(t => t.Ticket.ResolveDueAt).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz },
            new() { Value = tickets.Select(t => t.Ticket.Request.Origin?.Route.BotId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
            new() { Value = tickets.Select(t => t.Ticket.Request.Origin?.Route.ChatId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
            new()
            {
                Value = tickets.Select(t => t.Ticket.SlaPolicy is { } policy ? SlaPolicies.SlaPolicyStore.Json(policy) : null).ToArray(),
                NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text,
            },
        },
    };

    private static NpgsqlBatchCommand InsertFirstMessages(IReadOnlyList<(Guid ProjectId, PreparedTicket Ticket)> tickets) => new("""
        INSERT INTO ticket_messages (id, ticket_id, project_id, author, text, created_at, delivery, attachments, channel_message_id)
        SELECT m.id, m.ticket_id, m.project_id, 'customer', m.text, m.created_at, 'delivered', m.attachments::jsonb, m.channel_message_id
          FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::timestamptz[], $6::text[], $7::text[])
               AS m(project_id, id, ticket_id, text, created_at, attachments, channel_message_id)
        """)
    {
        Parameters =
        {
            new() { Value = tickets.Select(t => t.ProjectId).ToArray() },
            new() { Value = tickets.Select(t => t.Ticket.MessageId).ToArray() },
            new() { Value = tickets.Select(t => t.Ticket.Id).ToArray() },
            new() { Value = tickets.Select(t => t.Ticket.Request.Text).ToArray() },
            new() { Value = tickets.Select(t => t.Ticket.CreatedAt).ToArray() },
            new() { Value = tickets.Select(t => TicketWrites.AttachmentsJson(t.Ticket.Request.Origin?.Attachments)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
            new() { Value = tickets.Select(t => t.Ticket.Request.Origin?.ChannelMessageId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
        },
    };

    // The ticket.created events are serialised before the batch is sent, so their number and
    // customer are filled in here from the rows the earlier statements of this transaction wrote
    // (the customer as the upsert left it, exactly what the API answers). The deliveries'
    // project ids come back, one row per delivery, so each project's dispatcher is nudged.
    private static NpgsqlBatchCommand InsertEvents(IReadOnlyList<(Guid ProjectId, TicketEvent Event)> events, DateTimeOffset now) => new("""
        WITH e AS (
            INSERT INTO ticket_events (id, project_id, ticket_id, message_id, type, occurred_at, payload)
            SELECT p.id, t.project_id, p.ticket_id, p.message_id, p.type, p.occurred_at,
                   jsonb_set(jsonb_set(p.payload::jsonb, '{ticket,number}', to_jsonb(t.number)), '{ticket,customer}',
                             jsonb_build_object('id', c.id, 'name', c.name, 'external_id', c.external_id, 'email', c.email,
                                                'username', c.username, 'unreachable_reason', NULL::text))
              FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::timestamptz[], $6::text[]) WITH ORDINALITY
                   AS p(id, ticket_id, message_id, type, occurred_at, payload, ord)
              JOIN tickets t ON t.id = p.ticket_id
              JOIN customers c ON c.id = t.customer_id
             ORDER BY t.project_id, p.ord
            RETURNING id, project_id, seq, ticket_id, type)
        INSERT INTO webhook_deliveries (id, webhook_id, event_id, event_seq, project_id, ticket_id, status, next_attempt_at, created_at)
        SELECT gen_random_uuid(), w.id, e.id, e.seq, e.project_id, e.ticket_id, 'pending', $7, $7
          FROM e
          JOIN webhooks w ON w.project_id = e.project_id AND w.deleted_at IS NULL AND w.disabled_at IS NULL
                         AND (e.type = ANY (w.events) OR ('ticket.*' = ANY (w.events) AND e.type LIKE 'ticket.%'))
        RETURNING project_id
        """)
    {
        Parameters =
        {
            new() { Value = events.Select(e => e.Event.Id).ToArray() },
            new() { Value = events.Select(e => e.Event.TicketId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
            new() { Value = events.Select(e => e.Event.MessageId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
            new() { Value = events.Select(e => e.Event.Type).ToArray() },
            new() { Value = events.Select(e => e.Event.OccurredAt).ToArray() },
            new() { Value = events.Select(e => e.Event.Data).ToArray() },
            new() { Value = now },
        },
    };

    // The bot's confirmation names the ticket's number, which this transaction's insert decided.
    private static NpgsqlBatchCommand EnqueueNumberedAnswer(ChatRoute route, string answer, Guid ticketId, DateTimeOffset now) => new("""
        INSERT INTO channel_outbox (bot_id, chat_id, text, buttons, message_id, ticket_id, status, next_attempt_at, created_at)
        SELECT $1, $2, replace($3, '{number}', t.number::text), NULL, NULL, t.id, 'pending', $5, $5 FROM tickets t WHERE t.id = $4
        """)
    {
        Parameters =
        {
            new() { Value = route.BotId },
            new() { Value = route.ChatId },
            new() { Value = answer },
            new() { Value = ticketId },
            new() { Value = now },
        },
    };
}
