using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Zapnoty.Grains.Reports;
using Zapnoty.Grains.Storage;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// Tickets per customer read from the customers' ticket sequences (migration 0041) instead of a
/// distinct count over the range's tickets: every range, after every kind of change to whose
/// ticket is whose (a bulk import, a ticket back-dated into the middle of a history, deletes, a
/// customer merge, a moved creation time), gives exactly what the distinct count gives, and the
/// maintained rollup rows equal their recount.
/// </summary>
public sealed class ReportCustomersTests
{
    private static readonly DateTimeOffset Start = new(2026, 2, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task The_distribution_and_top_customers_equal_the_distinct_count_for_every_range_through_imports_deletes_and_merges()
    {
        await using var db = NpgsqlDataSource.Create(await TestDatabase.Create("reportcustomers"));
        await new DatabaseMigrator(db, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        var project = Guid.NewGuid();
        await Execute(db, "INSERT INTO projects (id, name, slug, created_at, updated_at) VALUES ($1, 'customers', 'customers-' || $1, now(), now())", project);
        // Berlin: a range's ends are local midnights, an hour or two off the UTC days of the rollups.
        await Execute(db, """INSERT INTO project_calendars (project_id, calendar, updated_at) VALUES ($1, '{"time_zone": "Europe/Berlin"}', now())""", project);
        var customers = Enumerable.Range(0, 40).Select(_ => Guid.NewGuid()).ToArray();
        await Execute(db, """
            INSERT INTO customers (id, project_id, channel, external_id, name, created_at)
            SELECT c, $1, 'telegram', c::text, 'Customer ' || c, now() FROM unnest($2::uuid[]) c
            """, project, customers);

        // Heavy customers (up to 40 tickets), occasional ones, and ties of creation time; one statement, as an import.
        var random = new Random(20);
        var tickets = new List<(Guid Customer, DateTimeOffset At)>();
        for (var i = 0; i < customers.Length; i++)
            for (var k = random.Next(1, i < 12 ? 40 : 6); k > 0; k--)
                tickets.Add((customers[i], Start.AddMinutes(random.Next(0, 150 * 24 * 4) * 15)));
        tickets.AddRange(Enumerable.Repeat((customers[3], Start.AddDays(40)), 3));
        // Twelve customers with two tickets in one short range (its tenth customer has two).
        tickets.AddRange(customers[20..32].SelectMany(c => new[] { (c, Start.AddDays(69).AddHours(3)), (c, Start.AddDays(69).AddHours(20)) }));
        long number = 0;
        await Insert(db, project, tickets.Select(t => (t.Customer, t.At, ++number)));
        var paths = await AssertEveryRangeAgrees(db, project);
        // The rows of the sequences are checked by the tests that compare rollups with report_recount too.
        await ReportRecount.AssertRollupsEqualRecount(db, project);

        // A ticket back-dated into the middle of a customer's history, one at its end, and one after every range.
        await Insert(db, project, [(customers[0], Start.AddDays(30), ++number), (customers[0], Start.AddDays(149), ++number),
                                   (customers[5], Start.AddDays(400), ++number)]);
        paths.UnionWith(await AssertEveryRangeAgrees(db, project));
        // Deletes, one of them the last ticket of a customer.
        await Execute(db, "DELETE FROM tickets WHERE project_id = $1 AND number % 7 = 3", project);
        paths.UnionWith(await AssertEveryRangeAgrees(db, project));
        // A customer merge moves every ticket of one customer to another.
        await Execute(db, "UPDATE tickets SET customer_id = $2 WHERE project_id = $1 AND customer_id = $3", project, customers[1], customers[2]);
        // A creation time moved across a month.
        await Execute(db, "UPDATE tickets SET created_at = created_at + interval '33 days' WHERE project_id = $1 AND number % 11 = 5", project);
        paths.UnionWith(await AssertEveryRangeAgrees(db, project));
        await ReportRecount.AssertRollupsEqualRecount(db, project);
        await new ReportStore(db).Fold(project, CancellationToken.None);
        paths.UnionWith(await AssertEveryRangeAgrees(db, project));
        await ReportRecount.AssertRollupsEqualRecount(db, project);

        // Each way of finding the top customers was taken: the tenth with three or more, with two, with one.
        Assert.Equal(new[] { "one", "three", "two" }, paths.Order().ToArray());
    }

    [Fact]
    public async Task A_small_history_gives_the_counts_worked_out_by_hand()
    {
        await using var db = NpgsqlDataSource.Create(await TestDatabase.Create("reportcustomerhand"));
        await new DatabaseMigrator(db, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        var project = Guid.NewGuid();
        await Execute(db, "INSERT INTO projects (id, name, slug, created_at, updated_at) VALUES ($1, 'hand', 'hand-' || $1, now(), now())", project);
        var (vera, ivan, olga) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await Execute(db, """
            INSERT INTO customers (id, project_id, channel, external_id, name, created_at)
            SELECT c, $1, 'telegram', c::text, n, now() FROM unnest($2::uuid[], $3::text[]) x (c, n)
            """, project, new[] { vera, ivan, olga }, new[] { "Vera", "Ivan", "Olga" });
        var march = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        // March: Vera 7 (one more in February, two in April), Ivan 3 (one in April), Olga 1 (two in February).
        long number = 0;
        var history = new List<(Guid, DateTimeOffset, long)>();
        foreach (var day in new[] { -5, 1, 2, 2, 9, 15, 20, 30, 33, 40 }) history.Add((vera, march.AddDays(day).AddHours(10), ++number));
        foreach (var day in new[] { 3, 4, 30, 32 }) history.Add((ivan, march.AddDays(day).AddHours(23), ++number));
        foreach (var day in new[] { -20, -1, 12 }) history.Add((olga, march.AddDays(day), ++number));
        await Insert(db, project, history);
        var range = new ReportRange(new DateOnly(2026, 3, 1), new DateOnly(2026, 3, 31));

        var figures = await new CustomerReport(db) { ScanUpTo = 0 }.Read(project, range, CancellationToken.None);

        Assert.Equal(new CustomerFigures(3, 1, 0, 1, 1, []), figures with { Top = [] });
        Assert.Equal(new[] { ("Vera", 7L), ("Ivan", 3L), ("Olga", 1L) }, figures.Top.Select(t => (t.Name!, t.Tickets)).ToArray());
    }

    [Fact]
    public async Task A_customer_tied_with_the_tenth_and_fewer_tickets_in_all_time_but_a_lower_id_takes_the_tenth_place()
    {
        await using var db = NpgsqlDataSource.Create(await TestDatabase.Create("reportcustomertie"));
        await new DatabaseMigrator(db, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        var project = Guid.NewGuid();
        await Execute(db, "INSERT INTO projects (id, name, slug, created_at, updated_at) VALUES ($1, 'tie', 'tie-' || $1, now(), now())", project);
        // Nine with six tickets in March; "Late" four in March and three in April (seven in all
        // time, walked first); "Early" four in March only, and the lower id: Early is tenth, not Late.
        var nine = Enumerable.Range(0, 9).Select(_ => Guid.NewGuid()).ToArray();
        var (late, early) = (Guid.Parse("ffffffff-0000-0000-0000-000000000000"), Guid.Parse("00000000-0000-0000-0000-000000000001"));
        Guid[] all = [.. nine, late, early];
        await Execute(db, """
            INSERT INTO customers (id, project_id, channel, external_id, name, created_at)
            SELECT c, $1, 'telegram', c::text, c::text, now() FROM unnest($2::uuid[]) c
            """, project, all);
        await Execute(db, "UPDATE customers SET name = CASE id WHEN $2 THEN 'Late' WHEN $3 THEN 'Early' ELSE name END WHERE project_id = $1", project, late, early);
        var march = new DateTimeOffset(2026, 3, 2, 12, 0, 0, TimeSpan.Zero);
        long number = 0;
        var history = nine.SelectMany(c => Enumerable.Range(0, 6).Select(d => (c, march.AddDays(d), ++number))).ToList();
        history.AddRange(Enumerable.Range(0, 7).Select(d => (late, march.AddDays(d < 4 ? d : 30 + d), ++number)));
        history.AddRange(Enumerable.Range(0, 4).Select(d => (early, march.AddDays(d), ++number)));
        await Insert(db, project, history);
        var range = new ReportRange(new DateOnly(2026, 3, 1), new DateOnly(2026, 3, 31));
        var report = new CustomerReport(db) { ScanUpTo = 0 };

        var figures = await report.Read(project, range, CancellationToken.None);

        Assert.Equal(new CustomerFigures(11, 0, 0, 2, 9, []), figures with { Top = [] });
        Assert.Equal(("Early", 4L), (figures.Top[^1].Name!, figures.Top[^1].Tickets));
        Assert.Equal((await report.ReadByScan(project, range, CancellationToken.None)).Top, figures.Top);
    }

    private static readonly ReportRange[] Ranges =
    [
        new(new DateOnly(2026, 2, 1), new DateOnly(2026, 6, 30)),
        new(new DateOnly(2026, 3, 1), new DateOnly(2026, 3, 31)),
        new(new DateOnly(2026, 3, 29), new DateOnly(2026, 4, 4)),
        new(new DateOnly(2026, 4, 10), new DateOnly(2026, 4, 12)),
        new(new DateOnly(2026, 5, 17), new DateOnly(2026, 5, 17)),
        new(new DateOnly(2026, 6, 20), new DateOnly(2026, 7, 31)),
        new(new DateOnly(2026, 1, 1), new DateOnly(2026, 1, 31)),
    ];

    /// <summary>Asserts both reads agree on every range; returns which way the top customers were found in them.</summary>
    private static async Task<HashSet<string>> AssertEveryRangeAgrees(NpgsqlDataSource db, Guid project)
    {
        var sequences = new CustomerReport(db) { ScanUpTo = 0 };
        var paths = new HashSet<string>();
        foreach (var range in Ranges)
        {
            var expected = await sequences.ReadByScan(project, range, CancellationToken.None);
            var actual = await sequences.Read(project, range, CancellationToken.None);
            Assert.Equal(expected with { Top = [] }, actual with { Top = [] });
            Assert.Equal(expected.Top, actual.Top);
            var (atLeastTwo, atLeastThree) = (expected.TwoTickets + expected.ThreeToFiveTickets + expected.SixOrMoreTickets,
                expected.ThreeToFiveTickets + expected.SixOrMoreTickets);
            if (expected.Customers > 0)
                paths.Add(atLeastThree >= CustomerFigures.TopCount ? "three" : atLeastTwo >= CustomerFigures.TopCount ? "two" : "one");
        }
        return paths;
    }

    private static async Task Insert(NpgsqlDataSource db, Guid project, IEnumerable<(Guid Customer, DateTimeOffset At, long Number)> tickets)
    {
        var list = tickets.ToList();
        await Execute(db, """
            INSERT INTO tickets (id, project_id, number, subject, status, priority, channel, customer_id, created_at, updated_at)
            SELECT gen_random_uuid(), $1, n, 'Question', 'new', 'normal', 'telegram', c, a, a FROM unnest($2::uuid[], $3::timestamptz[], $4::bigint[]) x (c, a, n)
            """, project, list.Select(t => t.Customer).ToArray(), list.Select(t => t.At).ToArray(), list.Select(t => t.Number).ToArray());
    }

    private static async Task Execute(NpgsqlDataSource db, string sql, params object[] values)
    {
        await using var command = db.CreateCommand(sql);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
        await command.ExecuteNonQueryAsync();
    }
}
