using Npgsql;

namespace Zapnoty.Bench;

/// <summary>
/// The scale scenario's baseline: each case's question asked the most direct way, as one plain SQL
/// statement in one round trip on a pooled connection (no transaction, no statement timeout, no
/// ranking): the list by number with the filter in the WHERE clause, the counts as a GROUP BY over
/// the project's tickets, a search as one statement over the same indexed expressions (the union of
/// the places, newest first). Written here, not taken from the product, so the baseline shares none
/// of the code it is compared with.
/// </summary>
public sealed class ScaleBaseline(NpgsqlDataSource db, Guid project)
{
    // What a list row shows: the ticket, its customer, type and tags.
    private const string Rows = """
        SELECT t.*, c.external_id, c.name, c.username, tt.name,
               (SELECT json_agg(json_build_object('id', g.id, 'name', g.name, 'color', g.color))
                  FROM ticket_tags x JOIN tags g ON g.id = x.tag_id WHERE x.ticket_id = t.id)
          FROM tickets t JOIN customers c ON c.id = t.customer_id LEFT JOIN ticket_types tt ON tt.id = t.type_id
         WHERE t.project_id = $1
        """;

    private const string Newest = " ORDER BY t.number DESC LIMIT 51";

    private const string Overdue = """
        t.closed_at IS NULL
        AND (t.first_reply_breached_at IS NOT NULL AND t.first_reply_at IS NULL OR t.resolve_breached_at IS NOT NULL
             OR t.next_reply_breached_at IS NOT NULL
             OR LEAST(CASE WHEN t.first_reply_at IS NULL THEN t.first_reply_due_at END, t.resolve_due_at, t.next_reply_due_at) < now())
        """;

    /// <summary>The status tabs without counters: every ticket of the project read and grouped, plus the open ones per assignee.</summary>
    private const string Counts = $"""
        SELECT t.status, t.assignee_id, count(*), count(*) FILTER (WHERE {Overdue})
          FROM tickets t WHERE t.project_id = $1
         GROUP BY GROUPING SETS ((t.status), (t.assignee_id))
        """;

    /// <summary>The places a search looks at, by the expressions the product's indexes are built over ($2 words, $3 substring).</summary>
    private const string Matching = """
         AND t.id IN (
             SELECT s.id FROM tickets s WHERE s.project_id = $1
                AND (to_tsvector('russian'::regconfig, s.subject) @@ websearch_to_tsquery('russian'::regconfig, $2) OR s.subject ILIKE $3)
             UNION
             SELECT s.id FROM customers k JOIN tickets s ON s.customer_id = k.id
              WHERE k.project_id = $1
                AND (to_tsvector('russian'::regconfig, (coalesce(k.name, '') || ' ' || coalesce(k.username, ''))) @@ websearch_to_tsquery('russian'::regconfig, $2)
                     OR (coalesce(k.name, '') || ' ' || coalesce(k.username, '')) ILIKE $3)
             UNION
             SELECT m.ticket_id FROM ticket_messages m
              WHERE m.project_id = $1 AND to_tsvector('russian'::regconfig, m.text) @@ websearch_to_tsquery('russian'::regconfig, $2))
        """;

    public Func<CancellationToken, Task> List(string? condition = null, params object[] values) =>
        Query(Rows + (condition is null ? "" : " AND " + condition) + Newest, values);

    public Func<CancellationToken, Task> Overdues() => List(Overdue);

    public Func<CancellationToken, Task> Count() => Query(Counts, []);

    public Func<CancellationToken, Task> Number(long number) => List("t.number = $2", number);

    public Func<CancellationToken, Task> Words(string words) =>
        Query(Rows + Matching + Newest, [words, "%" + words.Replace("%", "\\%").Replace("_", "\\_") + "%"]);

    private Func<CancellationToken, Task> Query(string sql, object[] values) => async ct =>
    {
        await using var command = db.CreateCommand(sql);
        command.CommandTimeout = 10;
        command.Parameters.Add(new NpgsqlParameter { Value = project });
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) { }
    };
}
