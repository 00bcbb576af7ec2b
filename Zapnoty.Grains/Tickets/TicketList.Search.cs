using System.Text;
using System.Text.Json;
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
    private readonly SearchWordStatistics _wordStatistics = new();

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
    /// Each place as the condition an index answers (<c>c</c> is the ticket's customer), in rank
    /// order. Customer conditions name the project again for the (project_id, ...) GIN indexes.
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

    /// <summary>
    /// A place's matches through its index, at most @cap + 1 of them: ticket ids, or customer ids
    /// for the customer places. Up to @cap, the page is sorted from them; beyond, the term is
    /// common and the page is found faster by walking the project's tickets newest first.
    /// </summary>
    private static readonly Dictionary<SearchRank, (string Sql, string Match)> Candidates = new()
    {
        [SearchRank.Subject] = ($"SELECT t.id FROM tickets t WHERE t.project_id = $1 AND {Places[SearchRank.Subject]} LIMIT @cap", "t.id = ANY(@ids)"),
        [SearchRank.Customer] = ($"SELECT c.id FROM customers c WHERE {Places[SearchRank.Customer]} LIMIT @cap", "t.customer_id = ANY(@ids)"),
        [SearchRank.SubjectPart] = ($"SELECT t.id FROM tickets t WHERE t.project_id = $1 AND {Places[SearchRank.SubjectPart]} LIMIT @cap", "t.id = ANY(@ids)"),
        [SearchRank.CustomerPart] = ($"SELECT c.id FROM customers c WHERE {Places[SearchRank.CustomerPart]} LIMIT @cap", "t.customer_id = ANY(@ids)"),
        [SearchRank.Message] = ($"{MessageTickets} LIMIT @cap", "t.id = ANY(@ids)"),
    };

    /// <summary>
    /// Each place as a check of the ticket at hand that no index can answer ("IS TRUE" hides the
    /// indexed expression): the walk over a common term, and the exclusion of better places, so a
    /// ticket is listed once, at its best place. The message check looks at that ticket's messages only.
    /// </summary>
    private static readonly Dictionary<SearchRank, string> Checks = new()
    {
        [SearchRank.Number] = "t.number = @number",
        [SearchRank.Subject] = $"({SubjectWords} @@ {Words}) IS TRUE",
        [SearchRank.Customer] = $"({CustomerWords} @@ {Words}) IS TRUE",
        [SearchRank.SubjectPart] = "(t.subject ILIKE @part) IS TRUE",
        [SearchRank.CustomerPart] = $"({CustomerNames} ILIKE @part) IS TRUE",
        [SearchRank.Message] = $"EXISTS (SELECT 1 FROM ticket_messages m WHERE m.ticket_id = t.id AND ({MessageWords} @@ {Words}) IS TRUE)",
    };

    /// <summary>How many matches of a place are sorted by number; a term matching more is walked instead.</summary>
    public const int CandidateCap = 1000;

    private const string Snippets = $"""
        SELECT x.ticket_id, hit.id, ts_headline('russian'::regconfig, hit.text, {Words},
                   'MaxFragments=1, MaxWords=24, MinWords=10, FragmentDelimiter=" … ", StartSel="", StopSel=""')
          FROM unnest(@tickets) x(ticket_id)
         CROSS JOIN LATERAL (SELECT m.id, m.text FROM ticket_messages m
                              WHERE m.ticket_id = x.ticket_id AND ({MessageWords} @@ {Words}) IS TRUE
                              ORDER BY m.seq DESC LIMIT 1) hit
        """;

    /// <summary>
    /// Tickets matching <paramref name="filter"/>'s search, best place first and newest first
    /// within a place, after <paramref name="after"/>. Place by place, each an index walk that stops
    /// at the page's size, so a page costs what its places cost, never the whole project; a number
    /// alone is one index lookup. The statements of all places travel together where they can: the
    /// estimates in one round trip, the candidates in one, the pages of places with candidates in
    /// one, so a search costs a handful of round trips, not three or four per place. No transaction:
    /// each batch carries its own statement timeout (see BoundedBatch).
    /// </summary>
    public Task<IReadOnlyList<SearchHit>> Search(TicketFilter filter, SearchPosition? after, DateTimeOffset now, CancellationToken cancellationToken) =>
        Stopped<IReadOnlyList<SearchHit>>(filter, async connection =>
        {
            var search = filter.Search ?? throw new ArgumentException("The filter has no search.", nameof(filter));
            var ranks = Ranks(search, after).ToList();
            var known = await _wordStatistics.Known(connection, WordIndexes.Values, cancellationToken);
            var candidates = await CandidatesOf(connection, filter, ranks, known, cancellationToken);
            var hits = new List<SearchHit>();
            // A place with candidates (or the number) is cheap whatever the page needs: read with the
            // others in one batch. A place walked newest first runs alone, and only if the page is short.
            var cheap = new List<SearchRank>();
            foreach (var rank in ranks)
            {
                if (rank == SearchRank.Number || candidates.ContainsKey(rank))
                {
                    cheap.Add(rank);
                    continue;
                }
                await ReadPages(connection, filter, cheap, after, filter.Limit - hits.Count, now, candidates, hits, cancellationToken);
                cheap.Clear();
                if (hits.Count >= filter.Limit) break;
                await ReadPages(connection, filter, [rank], after, filter.Limit - hits.Count, now, candidates, hits, cancellationToken);
            }
            if (hits.Count < filter.Limit)
                await ReadPages(connection, filter, cheap, after, filter.Limit - hits.Count, now, candidates, hits, cancellationToken);
            return await WithSnippets(connection, hits, search, cancellationToken);
        }, cancellationToken);

    /// <summary>The pages of <paramref name="ranks"/> in one round trip, appended in rank order to <paramref name="hits"/> up to <paramref name="limit"/> more.</summary>
    private static async Task ReadPages(NpgsqlConnection connection, TicketFilter filter, IReadOnlyList<SearchRank> ranks, SearchPosition? after, int limit,
        DateTimeOffset now, IReadOnlyDictionary<SearchRank, Guid[]> candidates, List<SearchHit> hits, CancellationToken cancellationToken)
    {
        if (ranks.Count == 0 || limit <= 0) return;
        await using var batch = BoundedBatch(connection);
        foreach (var rank in ranks)
        {
            await using var place = PlaceQuery(filter, rank, after, limit, now, candidates.GetValueOrDefault(rank));
            batch.BatchCommands.Add(InBatch(place));
        }
        var added = 0;
        await using var reader = await ExecuteBounded(batch, cancellationToken);
        foreach (var rank in ranks)
        {
            while (await reader.ReadAsync(cancellationToken))
                if (added++ < limit) hits.Add(new SearchHit(TicketRows.Read(reader), rank));
            await reader.NextResultAsync(cancellationToken);
        }
    }

    private static NpgsqlBatchCommand InBatch(NpgsqlCommand command)
    {
        var batched = new NpgsqlBatchCommand(command.CommandText);
        batched.Parameters.AddRange(command.Parameters.Select(p => p.Clone()).ToArray());
        return batched;
    }

    /// <summary>
    /// The statement finding up to <paramref name="limit"/> tickets of one place of the search, after
    /// <paramref name="after"/>, leaving out those found at a better place: among
    /// <paramref name="candidates"/> when the place had at most <see cref="CandidateCap"/>, else
    /// walking the project newest first (public for the plan tests).
    /// </summary>
    public static NpgsqlCommand PlaceQuery(TicketFilter filter, SearchRank rank, SearchPosition? after, int limit, DateTimeOffset now,
        Guid[]? candidates)
    {
        var search = filter.Search ?? throw new ArgumentException("The filter has no search.", nameof(filter));
        var command = new NpgsqlCommand();
        var sql = Where(command, new StringBuilder(TicketRows.SelectFrom), filter with { Search = null, BeforeNumber = null }, now);
        sql.Append(" AND ").Append(rank == SearchRank.Number ? Places[rank] : candidates is null ? Checks[rank] : Candidates[rank].Match);
        foreach (var earlier in Ranks(search, null).Where(r => r < rank)) sql.Append(" AND NOT (").Append(Checks[earlier]).Append(')');
        if (after is not null && rank == after.Rank) sql.Append(" AND t.number < @before");
        sql.Append(" ORDER BY t.number DESC LIMIT @limit");
        command.CommandText = Bind(command, sql.ToString(), search, after?.Number, limit, candidates);
        return command;
    }

    /// <summary>
    /// The place's matches by its index (ticket or customer ids), or null when it has more than
    /// <see cref="CandidateCap"/> (public for the plan tests: the statistics are read anew).
    /// </summary>
    public static async Task<Guid[]?> CandidatesOf(NpgsqlCommand command, TicketFilter filter, SearchRank rank, CancellationToken cancellationToken) =>
        (await CandidatesOf(command.Connection!, filter, [rank], await SearchWordStatistics.Read(command.Connection!, WordIndexes.Values, cancellationToken),
            cancellationToken)).GetValueOrDefault(rank);

    /// <summary>
    /// The matches by their indexes of those of <paramref name="ranks"/> that have at most
    /// <see cref="CandidateCap"/>. A place with a word its index's statistics do not know is read at
    /// once; for the others the planner's estimate answers first (reading a common word's index
    /// entries alone takes longer than walking to a page of its newest matches). Each step is one
    /// round trip for all places: the words, the estimates asked for, the matches.
    /// </summary>
    private static async Task<Dictionary<SearchRank, Guid[]>> CandidatesOf(NpgsqlConnection connection, TicketFilter filter, IReadOnlyList<SearchRank> ranks,
        IReadOnlyDictionary<string, HashSet<string>> known, CancellationToken cancellationToken)
    {
        var places = ranks.Where(Candidates.ContainsKey).ToList();
        var found = new Dictionary<SearchRank, Guid[]>();
        if (places.Count == 0) return found;

        // Read through the index (true) or as planned (false); a place left out is walked.
        var throughIndex = new Dictionary<SearchRank, bool>();
        var wordPlaces = places.Where(WordIndexes.ContainsKey).ToList();
        var estimated = places.Except(wordPlaces).ToList();
        await using (var first = BoundedBatch(connection))
        {
            if (wordPlaces.Count > 0) first.BatchCommands.Add(SearchWordStatistics.WordsQuery(filter.Search!));
            foreach (var rank in estimated) first.BatchCommands.Add(Estimate(filter, rank));
            await using var reader = await ExecuteBounded(first, cancellationToken);
            if (wordPlaces.Count > 0)
            {
                var words = await SearchWordStatistics.ReadWords(reader, cancellationToken);
                await reader.NextResultAsync(cancellationToken);
                foreach (var rank in wordPlaces.Where(r => words.HasOneUnknownTo(known.GetValueOrDefault(WordIndexes[r]))))
                    throughIndex[rank] = true;
            }
            foreach (var rank in estimated)
                if (await Expected(reader, cancellationToken) <= CandidateCap) throughIndex[rank] = false;
        }

        var askPlanner = wordPlaces.Where(r => !throughIndex.ContainsKey(r)).ToList();
        if (askPlanner.Count > 0)
        {
            await using var second = BoundedBatch(connection);
            foreach (var rank in askPlanner) second.BatchCommands.Add(Estimate(filter, rank));
            await using var reader = await ExecuteBounded(second, cancellationToken);
            foreach (var rank in askPlanner)
                if (await Expected(reader, cancellationToken) <= CandidateCap) throughIndex[rank] = false;
        }
        if (throughIndex.Count == 0) return found;

        await using var matches = BoundedBatch(connection);
        var read = places.Where(throughIndex.ContainsKey).ToList();
        foreach (var rank in read)
        {
            await using var query = CandidateQuery(filter, rank, throughIndex[rank])!;
            matches.BatchCommands.Add(InBatch(query));
        }
        await using var rows = await ExecuteBounded(matches, cancellationToken);
        foreach (var rank in read)
        {
            var ids = new HashSet<Guid>();
            var count = 0;
            while (await rows.ReadAsync(cancellationToken))
                if (++count <= CandidateCap) ids.Add(rows.GetGuid(0));
            if (count <= CandidateCap) found[rank] = [.. ids];
            await rows.NextResultAsync(cancellationToken);
        }
        return found;
    }

    private static NpgsqlBatchCommand Estimate(TicketFilter filter, SearchRank rank)
    {
        using var query = CandidateQuery(filter, rank)!;
        var explain = InBatch(query);
        explain.CommandText = "EXPLAIN (FORMAT JSON) " + explain.CommandText;
        return explain;
    }

    /// <summary>The Limit node's input of an <see cref="Estimate"/>: how many rows the planner expects the whole place to match.</summary>
    private static async Task<double> Expected(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        await reader.ReadAsync(cancellationToken);
        double expected;
        using (var plan = JsonDocument.Parse(reader.GetString(0)))
            expected = plan.RootElement[0].GetProperty("Plan").GetProperty("Plans")[0].GetProperty("Plan Rows").GetDouble();
        await reader.NextResultAsync(cancellationToken);
        return expected;
    }

    /// <summary>The GIN index of each place searched by words, whose statistics know the common words.</summary>
    private static readonly Dictionary<SearchRank, string> WordIndexes = new()
    {
        [SearchRank.Subject] = "tickets_subject_words",
        [SearchRank.Customer] = "customers_name_words",
        [SearchRank.Message] = "ticket_messages_words",
    };

    /// <summary>
    /// Whether the words all must match (no "or", no -word) and one of them is missing from the
    /// most common words ANALYZE found in the place's index. The planner estimates such a word at
    /// half the rarest common word's frequency — thousands of rows at a million messages, where
    /// the word may match once — and walking the project for one match reads all of it (the
    /// 1,000,000-ticket benchmark: a word in one message and a customer's name timed out). A word
    /// the statistics do not know is rarer than every word they know, so its index entries are
    /// few and cheap to read; a common word is always among the known ones (public for the plan tests).
    /// </summary>
    public static async Task<bool> HasWordTheStatisticsDoNotKnow(NpgsqlCommand command, SearchRank rank, TicketSearch search,
        CancellationToken cancellationToken)
    {
        if (!WordIndexes.TryGetValue(rank, out var index)) return false;
        var known = await SearchWordStatistics.Read(command.Connection!, [index], cancellationToken);
        await using var batch = new NpgsqlBatch(command.Connection, command.Transaction) { BatchCommands = { SearchWordStatistics.WordsQuery(search) } };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        return (await SearchWordStatistics.ReadWords(reader, cancellationToken)).HasOneUnknownTo(known.GetValueOrDefault(index));
    }

    /// <summary>
    /// The statement reading a place's matches through its index, up to one more than the cap; null
    /// for the number. <paramref name="throughIndex"/> plans the matches apart from the LIMIT (a
    /// materialized CTE is planned for all its rows), so an estimate of thousands cannot turn it
    /// into a scan of the table that expects to stop early and, for a word in one message, reads all.
    /// </summary>
    public static NpgsqlCommand? CandidateQuery(TicketFilter filter, SearchRank rank, bool throughIndex = false)
    {
        if (!Candidates.TryGetValue(rank, out var candidates)) return null;
        var command = new NpgsqlCommand();
        command.Parameters.Add(new() { Value = filter.ProjectId });
        var sql = throughIndex
            ? $"WITH found AS MATERIALIZED ({candidates.Sql[..candidates.Sql.LastIndexOf(" LIMIT @cap", StringComparison.Ordinal)]}) SELECT * FROM found LIMIT @cap"
            : candidates.Sql;
        command.CommandText = Bind(command, sql, filter.Search!, null, 0, null);
        return command;
    }

    /// <summary>The places a search looks at, in rank order, from the one <paramref name="after"/> is at.</summary>
    private static IEnumerable<SearchRank> Ranks(TicketSearch search, SearchPosition? after) =>
        Places.Keys.Order()
            .Where(rank => rank == SearchRank.Number ? search.Number is not null : search.Text is not null)
            .Where(rank => after is null || rank >= after.Rank);

    /// <summary>The newest matching message of each ticket found by one, with an excerpt around the words.</summary>
    /// <remarks>
    /// A statement of its own after the pages: inside the message place's page (a lateral join over
    /// it) it saved the round trip but doubled that statement's planning (2.2 ms against 1.1 ms for
    /// both at 1,000,000 tickets), and planning is most of what a search costs the database.
    /// </remarks>
    private static async Task<IReadOnlyList<SearchHit>> WithSnippets(NpgsqlConnection connection, List<SearchHit> hits, TicketSearch search,
        CancellationToken cancellationToken)
    {
        var inMessages = hits.Where(h => h.Rank == SearchRank.Message).Select(h => h.Ticket.Id).ToArray();
        if (inMessages.Length == 0) return hits;
        await using var command = new NpgsqlCommand { Parameters = { new() { Value = inMessages } } };
        command.CommandText = Bind(command, Snippets.Replace("@tickets", "$1"), search, null, 0);
        await using var batch = BoundedBatch(connection);
        batch.BatchCommands.Add(InBatch(command));
        var found = new Dictionary<Guid, (Guid Message, string Snippet)>();
        await using (var reader = await ExecuteBounded(batch, cancellationToken))
            while (await reader.ReadAsync(cancellationToken)) found[reader.GetGuid(0)] = (reader.GetGuid(1), reader.GetString(2).Trim());
        return hits.Select(h => found.TryGetValue(h.Ticket.Id, out var m) ? h with { MessageId = m.Message, Snippet = m.Snippet } : h).ToList();
    }

    /// <summary>Replaces the named placeholders of <paramref name="sql"/> that it uses by parameters of <paramref name="command"/>.</summary>
    private static string Bind(NpgsqlCommand command, string sql, TicketSearch search, long? before, int limit, Guid[]? ids = null)
    {
        foreach (var (name, value) in new (string, object?)[]
                 {
                     ("@words", search.Text), ("@part", search.Substring), ("@number", search.Number), ("@before", before), ("@limit", limit),
                     ("@cap", CandidateCap + 1), ("@ids", ids),
                 })
        {
            if (!sql.Contains(name, StringComparison.Ordinal)) continue;
            command.Parameters.Add(new() { Value = value });
            sql = sql.Replace(name, "$" + command.Parameters.Count, StringComparison.Ordinal);
        }
        return sql;
    }
}
