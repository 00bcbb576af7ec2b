using System.Diagnostics;
using Npgsql;
using Zapnoty.Grains.Tests.Infrastructure;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Bench;

/// <summary>
/// A ticket with 20,000 messages against one with 20 and one with 60 (a full page of 50 and
/// older ones, so the same page as the long one): the first GET (the ticket grain activates and
/// answers with its latest page) and a second GET (warm), through the REST API, against the
/// baseline of the same page read in one query, all measured in the same run. Rounds interleave
/// the sizes so a noisy neighbour slows them alike.
/// </summary>
public static class LongTicketBench
{
    private const int Short = 20, FullPage = 60, Long = 20_000;
    private static readonly int[] Sizes = [Short, FullPage, Long];

    public static async Task Run(ZapnotyApi api, NpgsqlDataSource db, int rounds)
    {
        var project = await api.CreateProject();
        var timings = new Dictionary<(int Size, string What), List<double>>();
        void Add(int size, string what, double ms) =>
            (timings.TryGetValue((size, what), out var list) ? list : timings[(size, what)] = []).Add(ms);

        // Every ticket is written first, then vacuumed and analysed as autovacuum would, so no
        // measurement runs beside the aftermath of a 20,000-row insert.
        var growing = new List<double>();
        var tickets = new List<(int Size, Guid Id)>[rounds + 1];
        for (var round = 0; round < rounds + 1; round++)
        {
            tickets[round] = [];
            foreach (var size in Sizes)
            {
                var ticketId = await api.OpenTicket(project, round);
                var started = Stopwatch.GetTimestamp();
                await LongConversation.Grow(db, project.Id, ticketId, size, Guid.NewGuid());
                if (size == Long) growing.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                tickets[round].Add((size, ticketId));
            }
        }
        await using (var vacuum = db.CreateCommand("VACUUM (ANALYZE) ticket_messages")) await vacuum.ExecuteNonQueryAsync();

        for (var round = 0; round < rounds + 1; round++)
        {
            var measured = round > 0;   // the first round warms up the silo, the pool and the JIT
            foreach (var (size, ticketId) in tickets[round])
            {
                var sql = await Time(() => LatestPage(db, ticketId));
                var first = await Time(() => api.GetOk(project, $"/v1/helpdesk/tickets/{ticketId}"));
                var warm = await Time(() => api.GetOk(project, $"/v1/helpdesk/tickets/{ticketId}"));
                if (!measured) continue;
                Add(size, "sql", sql);
                Add(size, "first", first);
                Add(size, "warm", warm);
            }
        }

        double P50(int size, string what) => LoadRun.Percentile(timings[(size, what)].Order().ToArray(), 0.5);
        Console.WriteLine();
        Console.WriteLine($"rounds={rounds} cores={Environment.ProcessorCount}; one ticket of each size per round, medians");
        Console.WriteLine("| messages | first GET (activate + GET) ms | warm GET ms | SQL page ms | first GET / SQL |");
        Console.WriteLine("|---:|---:|---:|---:|---:|");
        foreach (var size in Sizes)
            Console.WriteLine($"| {size:N0} | {P50(size, "first"):F2} | {P50(size, "warm"):F2} | {P50(size, "sql"):F2} | {P50(size, "first") / P50(size, "sql"):F1}x |");
        Console.WriteLine();
        Console.WriteLine("| ratio of medians | first GET | warm GET | SQL page |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var (size, name) in new[] { (Short, "20,000 / 20 messages"), (FullPage, "20,000 / 60 messages (the same page)") })
            Console.WriteLine($"| {name} | {P50(Long, "first") / P50(size, "first"):F2}x | {P50(Long, "warm") / P50(size, "warm"):F2}x | {P50(Long, "sql") / P50(size, "sql"):F2}x |");
        Console.WriteLine($"writing 20,000 messages in one transaction: {LoadRun.Percentile(growing.Order().ToArray(), 0.5):F0} ms (median)");
    }

    /// <summary>The baseline: the ticket's latest page, the query the grain's activation runs, on its own.</summary>
    private static async Task LatestPage(NpgsqlDataSource db, Guid ticketId)
    {
        await using var command = db.CreateCommand(TicketStore.LatestMessagesSql);
        command.Parameters.Add(new NpgsqlParameter { Value = ticketId });
        command.Parameters.Add(new NpgsqlParameter { Value = TicketLimits.RecentMessages + 1 });
        await using var reader = await command.ExecuteReaderAsync();
        var rows = 0;
        while (await reader.ReadAsync()) rows++;
        if (rows == 0) throw new InvalidOperationException($"Ticket {ticketId} has no messages.");
    }

    private static async Task<double> Time(Func<Task> action)
    {
        var started = Stopwatch.GetTimestamp();
        await action();
        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }
}
