using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Zapnoty.Grains.Calendars;
using Zapnoty.Grains.Storage;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

public sealed class ReportRollupMigrationTests
{
    [Fact]
    public async Task The_rollups_migration_counts_the_history_already_there_and_running_it_again_changes_nothing()
    {
        await using var db = NpgsqlDataSource.Create(await TestDatabase.Create("reports"));
        var migrations = DatabaseMigrator.EmbeddedMigrations();
        var rollups = migrations.Single(m => m.Version.StartsWith("0030_", StringComparison.Ordinal));
        await new DatabaseMigrator(db, NullLogger<DatabaseMigrator>.Instance,
            migrations: migrations.Where(m => string.CompareOrdinal(m.Version, rollups.Version) < 0).ToList()).MigrateAsync(CancellationToken.None);

        // A project of an older release: tickets, messages, a reply's credit, history and tags, written by SQL.
        var (agent, p, tag) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await SqlScript.Execute(db, """
            INSERT INTO users (id, email, created_at) VALUES ($1, 'agent-' || $1 || '@example.com', now());
            INSERT INTO projects (id, name, slug, created_at, updated_at) VALUES ($2, 'One', 'one-' || $2, now(), now());
            INSERT INTO tags (id, project_id, name, color, created_at) VALUES ($3, $2, 'vip', '#aabbcc', now());
            INSERT INTO customers (id, project_id, channel, external_id, created_at) VALUES (gen_random_uuid(), $2, 'api', 'c', now());
            INSERT INTO tickets (id, project_id, number, subject, status, priority, assignee_id, channel, customer_id, created_at, updated_at,
                                 first_reply_at, closed_at)
            SELECT gen_random_uuid(), c.project_id, n, 's', CASE WHEN n % 2 = 0 THEN 'closed' ELSE 'new' END, 'normal', CASE WHEN n % 3 = 0 THEN $1 END,
                   'api', c.id, now() - n * interval '37 minutes', now(), now() - n * interval '30 minutes',
                   CASE WHEN n % 2 = 0 THEN now() - n * interval '7 minutes' END
              FROM customers c, generate_series(1, 300) n WHERE c.project_id = $2;
            INSERT INTO ticket_messages (id, ticket_id, project_id, author, agent_id, text, created_at, delivery, internal)
            SELECT gen_random_uuid(), t.id, t.project_id, a.author, CASE WHEN a.author = 'agent' THEN $1 END, 'm', t.created_at, 'delivered', a.internal
              FROM tickets t, (VALUES ('customer', false), ('agent', false), ('agent', true)) a (author, internal) WHERE t.project_id = $2;
            INSERT INTO credit_ledger (project_id, at, kind, amount, month, free_after, purchased_after, ticket_id, message_id)
            SELECT m.project_id, m.created_at, 'reply', -1, '2026-01-01', 0, 0, m.ticket_id, m.id
              FROM ticket_messages m WHERE m.project_id = $2 AND m.author = 'agent' AND NOT m.internal;
            INSERT INTO ticket_history (ticket_id, at, actor_kind, actor_id, field, from_value, to_value)
            SELECT id, created_at, 'user', 'x', 'status', 'closed', 'in_progress' FROM tickets WHERE project_id = $2 AND number % 7 = 0;
            INSERT INTO ticket_tags (ticket_id, tag_id, ticket_number) SELECT id, $3, number FROM tickets WHERE project_id = $2 AND number % 4 = 0;
            """, agent, p, tag);

        await new DatabaseMigrator(db, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        var keys = await ReportRecount.AssertRollupsEqualRecount(db, p);
        Assert.True(keys > 100, $"only {keys} rollup keys");

        // Applied again (as if its record were lost), it recounts rather than adds; then 0033 again,
        // as the migrator would run it after, to re-create the functions 0030 defines in their later form.
        var later = migrations.Single(m => m.Version.StartsWith("0033_", StringComparison.Ordinal));
        await using (var connection = await db.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await using (var again = new NpgsqlCommand(rollups.Sql, connection, transaction)) await again.ExecuteNonQueryAsync();
            await using (var after = new NpgsqlCommand(later.Sql, connection, transaction)) await after.ExecuteNonQueryAsync();
            // And 0041, which re-creates report_recount with the customers' sequences and counts them again.
            await using (var sequences = new NpgsqlCommand(Sequences(migrations).Sql, connection, transaction)) await sequences.ExecuteNonQueryAsync();
            await transaction.CommitAsync();
        }
        Assert.Equal(keys, await ReportRecount.AssertRollupsEqualRecount(db, p));

        // And from then on every writer's changes are counted, SQL by hand included: changes of
        // the facts and of the dimensions, a tag taken off, messages moved and deleted, tickets deleted.
        await SqlScript.Execute(db, """
            UPDATE tickets SET status = 'closed', closed_at = now(), assignee_id = NULL WHERE project_id = $2 AND number % 5 = 0;
            UPDATE tickets SET priority = 'urgent', channel = 'telegram' WHERE project_id = $2 AND number % 6 = 0;
            DELETE FROM ticket_tags WHERE tag_id = $3 AND ticket_number % 8 = 0;
            UPDATE ticket_messages SET ticket_id = (SELECT id FROM tickets WHERE project_id = $2 AND number = 1)
             WHERE ticket_id = (SELECT id FROM tickets WHERE project_id = $2 AND number = 2);
            DELETE FROM ticket_messages WHERE ticket_id IN (SELECT id FROM tickets WHERE project_id = $2 AND number > 290);
            DELETE FROM ticket_history WHERE ticket_id IN (SELECT id FROM tickets WHERE project_id = $2 AND number > 290);
            DELETE FROM ticket_tags WHERE ticket_id IN (SELECT id FROM tickets WHERE project_id = $2 AND number > 290);
            DELETE FROM tickets WHERE project_id = $2 AND number > 290;
            """, agent, p, tag);
        await ReportRecount.AssertRollupsEqualRecount(db, p);
    }

    [Fact]
    public async Task The_business_hours_migration_backfills_what_needs_no_calendar_recounts_the_rollups_and_running_it_again_changes_nothing()
    {
        await using var db = NpgsqlDataSource.Create(await TestDatabase.Create("reports-business"));
        var migrations = DatabaseMigrator.EmbeddedMigrations();
        var business = migrations.Single(m => m.Version.StartsWith("0033_", StringComparison.Ordinal));
        await new DatabaseMigrator(db, NullLogger<DatabaseMigrator>.Instance,
            migrations: migrations.Where(m => string.CompareOrdinal(m.Version, business.Version) < 0).ToList()).MigrateAsync(CancellationToken.None);

        // Two projects of the previous release, one with a calendar: each a ticket answered after
        // 10 min and closed after 2 h of which 30 min paused, rated 4 with a comment; and one open.
        var (plain, office) = (Guid.NewGuid(), Guid.NewGuid());
        await SqlScript.Execute(db, """
            INSERT INTO projects (id, name, slug, created_at, updated_at) VALUES ($1, 'Plain', 'plain-' || $1, now(), now()), ($2, 'Office', 'office-' || $2, now(), now());
            INSERT INTO project_calendars (project_id, calendar, updated_at) VALUES ($2, '{"time_zone": "Europe/Moscow"}', now());
            INSERT INTO customers (id, project_id, channel, external_id, created_at) SELECT gen_random_uuid(), p, 'api', 'c', now() FROM unnest(ARRAY[$1, $2]) p;
            INSERT INTO tickets (id, project_id, number, subject, status, priority, channel, customer_id, created_at, updated_at,
                                 first_reply_at, closed_at, sla_paused_seconds, csat_requested_at, csat_score, csat_comment, csat_at)
            SELECT gen_random_uuid(), c.project_id, n, 's', CASE WHEN n = 1 THEN 'closed' ELSE 'new' END, 'normal', 'api', c.id,
                   '2026-03-02 10:00Z', now(), CASE WHEN n = 1 THEN timestamptz '2026-03-02 10:10Z' END, CASE WHEN n = 1 THEN timestamptz '2026-03-02 12:00Z' END,
                   CASE WHEN n = 1 THEN 1800 ELSE 0 END, CASE WHEN n = 1 THEN timestamptz '2026-03-02 12:00Z' END,
                   CASE WHEN n = 1 THEN 4 END, CASE WHEN n = 1 THEN 'ok' END, CASE WHEN n = 1 THEN timestamptz '2026-03-02 12:05Z' END
              FROM customers c, generate_series(1, 2) n WHERE c.project_id IN ($1, $2)
            """, plain, office);

        await new DatabaseMigrator(db, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        // Without a calendar working time is real time: 600 s, and 7,200 - 1,800 s. With one it is left unknown.
        Assert.Equal(new[] { "1 600 5400 1800", "2   0" }, await BusinessColumns(db, plain));
        Assert.Equal(new[] { "1   ", "2   0" }, await BusinessColumns(db, office));
        var keys = await ReportRecount.AssertRollupsEqualRecount(db, plain);
        await ReportRecount.AssertRollupsEqualRecount(db, office);
        var metrics = await Metrics(db, plain);
        Assert.Superset(new HashSet<string> { "first_response_business", "resolution_business", "csat_requested", "csat_answered", "csat_4", "csat_comment" }, metrics);
        Assert.DoesNotContain("resolution_business", await Metrics(db, office));

        await using (var connection = await db.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await using (var again = new NpgsqlCommand(business.Sql, connection, transaction)) await again.ExecuteNonQueryAsync();
            await using (var sequences = new NpgsqlCommand(Sequences(migrations).Sql, connection, transaction)) await sequences.ExecuteNonQueryAsync();
            await transaction.CommitAsync();
        }
        Assert.Equal(keys, await ReportRecount.AssertRollupsEqualRecount(db, plain));
        Assert.Equal(new[] { "1 600 5400 1800", "2   0" }, await BusinessColumns(db, plain));

        // From then on a change of the new columns by any writer is counted too.
        await SqlScript.Execute(db, """
            UPDATE tickets SET csat_score = 1, csat_comment = NULL WHERE project_id = $1 AND number = 1;
            UPDATE tickets SET first_reply_business_seconds = 120, resolution_business_seconds = 900 WHERE project_id = $2 AND number = 1
            """, plain, office);
        await ReportRecount.AssertRollupsEqualRecount(db, plain);
        await ReportRecount.AssertRollupsEqualRecount(db, office);
    }

    [Fact]
    public async Task Old_tickets_of_calendar_projects_get_the_business_times_the_calendar_arithmetic_gives_and_running_it_again_changes_nothing()
    {
        await using var db = NpgsqlDataSource.Create(await TestDatabase.Create("reports-calendar"));
        var migrations = DatabaseMigrator.EmbeddedMigrations();
        var backfill = migrations.Single(m => m.Version.StartsWith("0037_", StringComparison.Ordinal));
        await new DatabaseMigrator(db, NullLogger<DatabaseMigrator>.Instance,
            migrations: migrations.Where(m => string.CompareOrdinal(m.Version, backfill.Version) < 0).ToList()).MigrateAsync(CancellationToken.None);

        // Berlin (DST from 29 March 2026), a lunch break, Saturday evening to midnight, a Sunday period
        // across the spring-forward gap; holidays and an extra working day of the team's own and imported
        // (the team's word wins on 27 March).
        var p = Guid.NewGuid();
        await SqlScript.Execute(db, "INSERT INTO projects (id, name, slug, created_at, updated_at) VALUES ($1, 'Office', 'office-' || $1, now(), now())", p);
        var calendar = new ProjectCalendar("Europe/Berlin",
            [.. new[] { "mon", "tue", "wed", "thu", "fri" }.SelectMany(d => new[] { new WorkPeriod(d, "09:00", "13:00"), new WorkPeriod(d, "14:00", "18:00") }),
             new WorkPeriod("sat", "22:00", "24:00"), new WorkPeriod("sun", "01:30", "03:30")],
            ["2026-03-27"], ["2026-04-05"], null)
        {
            ImportedHolidays = ["2026-03-27", "2026-03-31"],
            ImportedWorkingDays = ["2026-03-27", "2026-04-12"],
        };
        await new CalendarStore(db).SaveUnaudited(p, calendar, DateTimeOffset.UtcNow, CancellationToken.None);

        // Tickets as 0033 left them: business times null; a pause before 0033 unknown in working time,
        // none recorded as 0; the last one closed while paused (a merge).
        var random = new Random(37);
        var expected = new List<string>();
        var business = new BusinessCalendar(calendar);
        long Seconds(DateTimeOffset from, DateTimeOffset to) =>
            Math.Max(0, (long)business.BusinessTimeBetween(NodaTime.Instant.FromDateTimeOffset(from), NodaTime.Instant.FromDateTimeOffset(to)).ToTimeSpan().TotalSeconds);
        await SqlScript.Execute(db, "INSERT INTO customers (id, project_id, channel, external_id, created_at) VALUES (gen_random_uuid(), $1, 'api', 'c', now())", p);
        for (var n = 1; n <= 60; n++)
        {
            var created = new DateTimeOffset(2026, 3, 18, 0, 0, 0, TimeSpan.Zero).AddMinutes(random.Next(0, 25 * 24 * 60)).AddMilliseconds(random.Next(1000));
            var answered = created.AddMinutes(random.Next(0, 4 * 24 * 60)).AddMilliseconds(random.Next(1000));
            var closed = n % 4 == 3 ? (DateTimeOffset?)null : answered.AddMinutes(random.Next(0, 9 * 24 * 60));
            var paused = n % 5 == 0;
            var pausedAt = n == 58 ? answered : (DateTimeOffset?)null;
            await SqlScript.Execute(db, """
                INSERT INTO tickets (id, project_id, number, subject, status, priority, channel, customer_id, created_at, updated_at,
                                     first_reply_at, closed_at, sla_paused_seconds, sla_paused_business_seconds, sla_paused_at)
                SELECT gen_random_uuid(), $1, $2, 's', CASE WHEN $4::timestamptz IS NULL THEN 'in_progress' ELSE 'closed' END, 'normal', 'api', c.id,
                       $3, now(), $5, $4, CASE WHEN $6 THEN 1800 ELSE 0 END, CASE WHEN $6 THEN NULL ELSE 0 END, $7
                  FROM customers c WHERE c.project_id = $1
                """, p, (long)n, created, (object?)closed ?? DBNull.Value, answered, paused, (object?)pausedAt ?? DBNull.Value);
            var resolution = closed is { } at && !paused ? Math.Max(0, Seconds(created, at) - (pausedAt is { } since ? Seconds(since, at) : 0)).ToString() : "";
            expected.Add($"{n} {Seconds(created, answered)} {resolution} {(paused ? "" : "0")}");
        }

        await new DatabaseMigrator(db, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        Assert.Equal(expected, await BusinessColumns(db, p));
        var keys = await ReportRecount.AssertRollupsEqualRecount(db, p);
        Assert.Contains("resolution_business", await Metrics(db, p));

        await using (var connection = await db.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await using (var again = new NpgsqlCommand(backfill.Sql, connection, transaction)) await again.ExecuteNonQueryAsync();
            await transaction.CommitAsync();
        }
        Assert.Equal(expected, await BusinessColumns(db, p));
        Assert.Equal(keys, await ReportRecount.AssertRollupsEqualRecount(db, p));
    }

    private static async Task<string[]> BusinessColumns(NpgsqlDataSource db, Guid projectId)
    {
        await using var command = db.CreateCommand("""
            SELECT number || ' ' || coalesce(first_reply_business_seconds::text, '') || ' ' || coalesce(resolution_business_seconds::text, '')
                   || ' ' || coalesce(sla_paused_business_seconds::text, '')
              FROM tickets WHERE project_id = $1 ORDER BY number
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = projectId });
        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows.Add(reader.GetString(0));
        return [.. rows];
    }

    private static async Task<HashSet<string>> Metrics(NpgsqlDataSource db, Guid projectId) =>
        [.. (await ReportRecount.Rollups(db, projectId)).Select(line => line.Split(' ')[2])];

    /// <summary>Migration 0041, which the migrator runs after 0030 and 0033 (it re-creates report_recount).</summary>
    private static DatabaseMigrator.Migration Sequences(IReadOnlyList<DatabaseMigrator.Migration> migrations) =>
        migrations.Single(m => m.Version.StartsWith("0041_", StringComparison.Ordinal));
}
