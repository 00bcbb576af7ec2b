using Npgsql;

namespace Zapnoty.Grains.Tickets;

/// <summary>
/// The words ANALYZE found most common in each word index of the search, read from pg_stats at most
/// every <see cref="Freshness"/>: the statistics change only when ANALYZE runs, and reading the view
/// for every search cost a planning of its joins each time. A search with a word missing from them
/// reads its matches through the index without asking the planner first (see
/// <see cref="TicketList.HasWordTheStatisticsDoNotKnow"/>). Stale statistics cost time, never a
/// wrong result: a word read through the index that turns out common is walked as before.
/// </summary>
public sealed class SearchWordStatistics
{
    public static readonly TimeSpan Freshness = TimeSpan.FromMinutes(5);

    // The index's one expression column is named after its function.
    private const string CommonWords = """
        SELECT s.tablename, s.most_common_elems::text::text[] FROM pg_stats s
         WHERE s.schemaname = current_schema() AND s.attname = 'to_tsvector' AND s.tablename = ANY($1)
        """;

    // Whether all the words must match (no "or", no -word), and the words as the indexes hold them.
    private const string Words = """
        SELECT websearch_to_tsquery('russian'::regconfig, $1)::text !~ '[|!]', tsvector_to_array(to_tsvector('russian'::regconfig, $1))
        """;

    private volatile Snapshot? _current;

    private sealed record Snapshot(long ReadAt, IReadOnlyDictionary<string, HashSet<string>> Known);

    /// <summary>The common words of each of <paramref name="indexes"/>, from the cache when fresh.</summary>
    public async Task<IReadOnlyDictionary<string, HashSet<string>>> Known(NpgsqlConnection connection, IReadOnlyCollection<string> indexes,
        CancellationToken cancellationToken)
    {
        if (_current is { } current && System.Diagnostics.Stopwatch.GetElapsedTime(current.ReadAt) < Freshness) return current.Known;
        var known = await Read(connection, indexes, cancellationToken);
        _current = new Snapshot(System.Diagnostics.Stopwatch.GetTimestamp(), known);
        return known;
    }

    /// <summary>The common words of each of <paramref name="indexes"/> now; an index never analyzed has none.</summary>
    public static async Task<IReadOnlyDictionary<string, HashSet<string>>> Read(NpgsqlConnection connection, IReadOnlyCollection<string> indexes,
        CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands = { new NpgsqlBatchCommand(CommonWords) { Parameters = { new() { Value = indexes.ToArray() } } } },
        };
        var known = new Dictionary<string, HashSet<string>>();
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            known[reader.GetString(0)] = reader.IsDBNull(1) ? [] : [.. reader.GetFieldValue<string[]>(1)];
        return known;
    }

    /// <summary>The statement telling whether all of the search's words must match, and its words as lexemes.</summary>
    public static NpgsqlBatchCommand WordsQuery(TicketSearch search) => new(Words) { Parameters = { new() { Value = search.Text } } };

    /// <summary>Reads <see cref="WordsQuery"/>'s row.</summary>
    public static async Task<SearchWords> ReadWords(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        await reader.ReadAsync(cancellationToken);
        return new SearchWords(reader.GetBoolean(0), reader.GetFieldValue<string[]>(1));
    }
}

/// <summary>A search's words as the word indexes hold them, and whether all must match.</summary>
public sealed record SearchWords(bool AllMustMatch, string[] Lexemes)
{
    /// <summary>
    /// Whether one of the words, all of which must match, is missing from <paramref name="known"/>
    /// (an index without statistics knows none: a small or new table, cheap to read).
    /// </summary>
    public bool HasOneUnknownTo(HashSet<string>? known) => AllMustMatch && Lexemes.Any(word => known is null || !known.Contains(word));
}
