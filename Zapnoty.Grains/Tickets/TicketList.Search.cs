using System.Text;
using Npgsql;

namespace Zapnoty.Grains.Tickets;

/// <summary>Where a search found a ticket. The list shows better places first: the number, then words of the subject, and so on.</summary>
public enum SearchRank { Number, Subject, Customer, SubjectPart, CustomerPart, Message }

/// <summary>The last ticket of a search page: the next page starts after it, in (rank, number descending) order.</summary>
public sealed record SearchPosition(SearchRank Rank, long Number);

/// <summary>A ticket a search found, where, and for a message the newest one that matched with an excerpt of it.</summary>
public sealed record SearchHit(TicketView Ticket, SearchRank Rank, Guid? MessageId = null, string? Snippet = null);

public sealed partial class TicketList
{
    // The words of q: websearch_to_tsquery never fails on syntax ("quoted phrases", -not, or).
    // The 'russian' configuration stems Cyrillic words in Russian and Latin ones in English, and
    // every expression below is exactly the one an index of migration 0018 is built over.
    private const string Words = "websearch_to_tsquery('russian'::regconfig, @words)";
    private const string SubjectWords = "to_tsvector('russian'::regconfig, t.subject)";
    private const string CustomerNames = "(coalesce(c.name, '') || ' ' || coalesce(c.username, ''))";
    private const string CustomerWords = $"to_tsvector('russian'::regconfig, {CustomerNames})";
    private const string MessageWords = "to_tsvector('russian'::regconfig, m.text)";
    private const string MessageTickets = $"SELECT m.ticket_id FROM ticket_messages m WHERE m.project_id = $1 AND {MessageWords} @@ {Words}";

    /// <summary>
    /// Each place, as the condition finding its tickets through its own index, in rank order. A
    /// ticket is listed once, at its best place: each condition excludes the places before it, and
    /// those exclusions are cheap checks of the row at hand (the message place comes last so that
    /// nothing has to rule out a message match). Customer conditions name the project again for
    /// the (project_id, ...) GIN indexes.
    /// </summary>
    private static readonly Dictionary<SearchRank, string> Places = new()
    {
        [SearchRank.Number] = "t.number = @number",
        [SearchRank.Subject] = $"{SubjectWords} @@ {Words}",
        [SearchRank.Customer] = $"c.project_id = $1 AND {CustomerWords} @@ {Words}",
        [SearchRank.SubjectPart] = "t.subject ILIKE @part",
        [SearchRank.CustomerPart] = $"c.project_id = $1 AND {CustomerNames} ILIKE @part",
        [SearchRank.Message] = $"t.id IN ({MessageTickets})",
    };

    private const string Snippets = $"""
        SELECT x.ticket_id, hit.id, ts_headline('russian'::regconfig, hit.text, {Words},
                   'MaxFragments=1, MaxWords=24, MinWords=10, FragmentDelimiter=" … ", StartSel="", StopSel=""')
          FROM unnest(@tickets) x(ticket_id)
         CROSS JOIN LATERAL (SELECT m.id, m.text FROM ticket_messages m
                              WHERE m.ticket_id = x.ticket_id AND m.project_id = $1 AND {MessageWords} @@ {Words}
                              ORDER BY m.seq DESC LIMIT 1) hit
        """;

    /// <summary>
    /// Tickets matching <paramref name="filter"/>'s search, best place first and newest first
    /// within a place, after <paramref name="after"/>. Place by place, each an index walk that stops
    /// at the page's size, so a page costs what its places cost, never the whole project; a number
    /// alone is one index lookup.
    /// </summary>
    public Task<IReadOnlyList<SearchHit>> Search(TicketFilter filter, SearchPosition? after, DateTimeOffset now, CancellationToken cancellationToken) =>
        Bounded<IReadOnlyList<SearchHit>>(filter, async command =>
        {
            var search = filter.Search ?? throw new ArgumentException("The filter has no search.", nameof(filter));
            var ranks = Places.Keys.Where(rank => rank == SearchRank.Number ? search.Number is not null : search.Text is not null)
                .Where(rank => after is null || rank >= after.Rank).ToList();
            var hits = new List<SearchHit>();
            foreach (var rank in ranks)
            {
                if (hits.Count >= filter.Limit) break;
                command.Parameters.Clear();
                var sql = Where(command, new StringBuilder(TicketRows.SelectFrom), filter with { Search = null, BeforeNumber = null }, now);
                sql.Append(" AND ").Append(Places[rank]);
                foreach (var earlier in ranks.Where(r => r < rank)) sql.Append(" AND NOT (").Append(Places[earlier]).Append(')');
                if (after is not null && rank == after.Rank) sql.Append(" AND t.number < @before");
                sql.Append(" ORDER BY t.number DESC LIMIT @limit");
                command.CommandText = Bind(command, sql.ToString(), search, after?.Number, filter.Limit - hits.Count);

                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken)) hits.Add(new SearchHit(TicketRows.Read(reader), rank));
            }
            return await WithSnippets(command, hits, search, cancellationToken);
        }, cancellationToken);

    /// <summary>The newest matching message of each ticket found by one, with an excerpt around the words.</summary>
    private static async Task<IReadOnlyList<SearchHit>> WithSnippets(NpgsqlCommand command, List<SearchHit> hits, TicketSearch search,
        CancellationToken cancellationToken)
    {
        var inMessages = hits.Where(h => h.Rank == SearchRank.Message).Select(h => h.Ticket.Id).ToArray();
        if (inMessages.Length == 0) return hits;
        command.Parameters.Clear();
        command.Parameters.Add(new() { Value = hits[0].Ticket.ProjectId });
        command.Parameters.Add(new() { Value = inMessages });
        command.CommandText = Bind(command, Snippets.Replace("@tickets", "$2"), search, null, 0);
        var found = new Dictionary<Guid, (Guid Message, string Snippet)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken)) found[reader.GetGuid(0)] = (reader.GetGuid(1), reader.GetString(2).Trim());
        return hits.Select(h => found.TryGetValue(h.Ticket.Id, out var m) ? h with { MessageId = m.Message, Snippet = m.Snippet } : h).ToList();
    }

    /// <summary>Replaces the named placeholders of <paramref name="sql"/> that it uses by parameters of <paramref name="command"/>.</summary>
    private static string Bind(NpgsqlCommand command, string sql, TicketSearch search, long? before, int limit)
    {
        foreach (var (name, value) in new (string, object?)[]
                 { ("@words", search.Text), ("@part", search.Substring), ("@number", search.Number), ("@before", before), ("@limit", limit) })
        {
            if (!sql.Contains(name, StringComparison.Ordinal)) continue;
            command.Parameters.Add(new() { Value = value });
            sql = sql.Replace(name, "$" + command.Parameters.Count, StringComparison.Ordinal);
        }
        return sql;
    }
}
