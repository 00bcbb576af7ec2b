using System.Reflection;
using Npgsql;

namespace Zapnoty.Grains.Tests.Infrastructure;

/// <summary>
/// Generated tickets written straight into the database in blocks (ScaleLoad.sql): customers,
/// a realistic status mix (most closed), one or two messages each in English and Russian words.
/// Seconds per 100,000 tickets instead of hours through the API, for the search tests and the
/// scale benchmark. Numbers continue after the project's existing tickets' counter.
/// </summary>
public static class ScaleData
{
    private static readonly Lazy<string> Sql = new(() =>
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Zapnoty.Scale.ScaleLoad.sql")
            ?? throw new InvalidOperationException("ScaleLoad.sql is not embedded.");
        return new StreamReader(stream).ReadToEnd();
    });

    /// <summary>
    /// Adds <paramref name="perProject"/> tickets (even) to each of <paramref name="projects"/>,
    /// numbered after <paramref name="numberOffset"/> (even); <paramref name="keyOffset"/> makes
    /// names and words differ between blocks. Ticket <paramref name="rareNumber"/> of the first
    /// project holds the one message with the word "xylophone".
    /// </summary>
    public static async Task Load(NpgsqlDataSource db, Guid[] projects, int perProject, long numberOffset, long keyOffset, long rareNumber,
        CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using (var users = new NpgsqlCommand("""
            INSERT INTO users (id, email) SELECT md5('u' || i)::uuid, 'agent' || i || '@scale.example' FROM generate_series(0, 9) i
            ON CONFLICT DO NOTHING
            """, connection))
            await users.ExecuteNonQueryAsync(cancellationToken);
        await using (var load = new NpgsqlCommand(Sql.Value, connection) { CommandTimeout = 0 })
        {
            foreach (var value in new object[] { projects, perProject, numberOffset, keyOffset, rareNumber })
                load.Parameters.Add(new NpgsqlParameter { Value = value });
            await load.ExecuteNonQueryAsync(cancellationToken);
        }
        await using var counter = new NpgsqlCommand("""
            UPDATE projects p SET next_ticket_number = greatest(p.next_ticket_number, $2 + $3 + 1) WHERE p.id = ANY($1)
            """, connection);
        foreach (var value in new object[] { projects, numberOffset, (long)perProject })
            counter.Parameters.Add(new NpgsqlParameter { Value = value });
        await counter.ExecuteNonQueryAsync(cancellationToken);
    }
}
