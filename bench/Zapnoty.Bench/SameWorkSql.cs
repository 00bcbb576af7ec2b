using Npgsql;
using Zapnoty.Grains;
using Zapnoty.Grains.Team;
using Zapnoty.Grains.Tickets;
using Zapnoty.Grains.Webhooks;

namespace Zapnoty.Bench;

/// <summary>
/// The baseline of ticket creation: everything the product's creation writes (lock the project
/// row, upsert the customer, the numbered insert, the first message, the status history, the
/// <c>ticket.created</c> event and its webhook deliveries), against the product's own tables,
/// indexes and triggers (counters, report rollups, event numbering), in ONE statement of
/// data-modifying CTEs over <c>unnest</c> arrays: one round trip and one commit per call, for
/// one ticket or a batch of a project's tickets. Deliberately not the product's store, so it
/// shows what the store's own round trips cost.
/// </summary>
public static class SameWorkSql
{
    private const string Statement = """
        WITH b AS (
                SELECT * FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::timestamptz[], $9::text[], $10::text[])
                       WITH ORDINALITY AS b(id, message_id, event_id, subject, external_id, name, created_at, payload, text, ord)),
             locked AS (
                SELECT next_ticket_number FROM projects WHERE id = $1 FOR NO KEY UPDATE),
             taken AS (
                UPDATE projects p SET next_ticket_number = locked.next_ticket_number + (SELECT count(*) FROM b)
                  FROM locked WHERE p.id = $1
                RETURNING locked.next_ticket_number AS first_number),
             cust AS (
                INSERT INTO customers (id, project_id, channel, external_id, name, created_at)
                SELECT DISTINCT ON (b.external_id) gen_random_uuid(), $1, 'api', b.external_id, b.name, b.created_at FROM b ORDER BY b.external_id
                ON CONFLICT (project_id, channel, external_id) DO UPDATE SET name = COALESCE(EXCLUDED.name, customers.name)
                RETURNING id, external_id, name, email, username),
             t AS (
                INSERT INTO tickets (id, project_id, number, subject, status, priority, channel, customer_id, created_at, updated_at)
                SELECT b.id, $1, taken.first_number + b.ord - 1, b.subject, 'new', 'normal', 'api', cust.id, b.created_at, b.created_at
                  FROM b CROSS JOIN taken JOIN cust ON cust.external_id = b.external_id
                RETURNING id, number, customer_id),
             m AS (
                INSERT INTO ticket_messages (id, ticket_id, project_id, author, text, created_at, delivery, attachments)
                SELECT b.message_id, b.id, $1, 'customer', b.text, b.created_at, 'delivered', '[]'::jsonb FROM b),
             h AS (
                INSERT INTO ticket_history (ticket_id, at, actor_kind, actor_id, field, from_value, to_value)
                SELECT b.id, b.created_at, 'system', NULL, 'status', NULL, 'new' FROM b),
             e AS (
                INSERT INTO ticket_events (id, project_id, ticket_id, message_id, type, occurred_at, payload)
                SELECT b.event_id, $1, b.id, b.message_id, 'ticket.created', b.created_at,
                       jsonb_set(jsonb_set(b.payload::jsonb, '{ticket,number}', to_jsonb(t.number)), '{ticket,customer}',
                                 jsonb_build_object('id', cust.id, 'name', cust.name, 'external_id', cust.external_id, 'email', cust.email,
                                                    'username', cust.username, 'unreachable_reason', NULL::text))
                  FROM b JOIN t ON t.id = b.id JOIN cust ON cust.id = t.customer_id
                 ORDER BY b.ord
                RETURNING id, seq, ticket_id, type),
             d AS (
                INSERT INTO webhook_deliveries (id, webhook_id, event_id, event_seq, project_id, ticket_id, status, next_attempt_at, created_at)
                SELECT gen_random_uuid(), w.id, e.id, e.seq, $1, e.ticket_id, 'pending', now(), now()
                  FROM e JOIN webhooks w ON w.project_id = $1 AND w.deleted_at IS NULL AND w.disabled_at IS NULL
                                        AND (e.type = ANY (w.events) OR ('ticket.*' = ANY (w.events) AND e.type LIKE 'ticket.%')))
        SELECT id, number FROM t
        """;

    /// <summary>Creates <paramref name="count"/> tickets of one project in one statement (numbered n, n+1, …).</summary>
    public static async Task Create(NpgsqlDataSource db, BenchProject project, int n, int count)
    {
        var now = DateTimeOffset.UtcNow;
        var tickets = Enumerable.Range(n, count).Select(i =>
        {
            var customer = new CustomerView(Guid.Empty, $"customer-{i % 1000}", "Bench Customer", null, null);
            var view = new TicketView(Guid.NewGuid(), project.Id, 0, $"Bench ticket {i}", TicketStatus.New, TicketPriority.Normal, null, null,
                null, Channel.Api, customer, now, now, null, null, null, null, 1, null);
            var message = new MessageView(Guid.NewGuid(), MessageAuthor.Customer, null, $"Bench ticket {i}: the order did not arrive", now,
                Delivery.Delivered, null, [], null);
            return (View: view, Message: message, Event: TicketEvents.Of(TicketEventTypes.Created, view, now, TeamDirectory.Empty, message));
        }).ToList();
        await using var command = db.CreateCommand(Statement);
        command.Parameters.Add(new NpgsqlParameter { Value = project.Id });
        command.Parameters.Add(new NpgsqlParameter { Value = tickets.Select(t => t.View.Id).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = tickets.Select(t => t.Message.Id).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = tickets.Select(t => t.Event.Id).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = tickets.Select(t => t.View.Subject).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = tickets.Select(t => t.View.Customer.ExternalId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = tickets.Select(t => t.View.Customer.Name!).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = tickets.Select(t => now).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = tickets.Select(t => t.Event.Data).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = tickets.Select(t => t.Message.Text).ToArray() });
        await using var reader = await command.ExecuteReaderAsync();
        var created = 0;
        while (await reader.ReadAsync()) created++;
        if (created != count) throw new InvalidOperationException($"Created {created} of {count} tickets.");
    }
}
