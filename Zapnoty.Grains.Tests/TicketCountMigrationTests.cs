using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Zapnoty.Grains.Storage;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

public sealed class TicketCountMigrationTests
{
    [Fact]
    public async Task The_counters_migrations_count_the_tickets_and_breaches_already_there_and_running_them_again_changes_nothing()
    {
        await using var db = NpgsqlDataSource.Create(await TestDatabase.Create("counts"));
        var migrations = DatabaseMigrator.EmbeddedMigrations();
        var counters = migrations.Single(m => m.Version.StartsWith("0017_", StringComparison.Ordinal));
        await new DatabaseMigrator(db, NullLogger<DatabaseMigrator>.Instance,
            migrations: migrations.Where(m => string.CompareOrdinal(m.Version, counters.Version) < 0).ToList()).MigrateAsync(CancellationToken.None);

        // Two projects of an older release: a mix of statuses, assignees and recorded breaches, written by SQL.
        var (agent, p1, p2) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await SqlScript.Execute(db, """
            INSERT INTO users (id, email, created_at) VALUES ($1, 'agent-' || $1 || '@example.com', now());
            INSERT INTO projects (id, name, slug, created_at, updated_at) VALUES ($2, 'One', 'one-' || $2, now(), now()), ($3, 'Two', 'two-' || $3, now(), now());
            INSERT INTO customers (id, project_id, channel, external_id, created_at)
            SELECT gen_random_uuid(), p, 'api', 'c', now() FROM unnest(ARRAY[$2, $3]::uuid[]) p;
            INSERT INTO tickets (id, project_id, number, subject, status, priority, assignee_id, channel, customer_id, created_at, updated_at,
                                 resolve_breached_at)
            SELECT gen_random_uuid(), c.project_id, n, 's', (ARRAY['new', 'in_progress', 'waiting', 'closed'])[1 + n % 4], 'normal',
                   CASE WHEN n % 3 = 0 THEN $1 END, 'api', c.id, now(), now(), CASE WHEN n % 7 = 0 THEN now() END
              FROM customers c, generate_series(1, 500) n WHERE c.project_id IN ($2, $3) AND n <= CASE WHEN c.project_id = $2 THEN 500 ELSE 77 END;
            """, agent, p1, p2);

        await new DatabaseMigrator(db, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        Assert.Equal(500, await TicketRecount.AssertCountersEqualRecount(db, p1));
        Assert.Equal(77, await TicketRecount.AssertCountersEqualRecount(db, p2));

        // Applied again (as if their records were lost), the counters' migrations recount rather than add.
        foreach (var migration in migrations.Where(m => m.Version.StartsWith("0017_", StringComparison.Ordinal) || m.Version.StartsWith("0031_", StringComparison.Ordinal)))
        {
            await using var connection = await db.OpenConnectionAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await using (var again = new NpgsqlCommand(migration.Sql, connection, transaction)) await again.ExecuteNonQueryAsync();
            await transaction.CommitAsync();
        }
        Assert.Equal(500, await TicketRecount.AssertCountersEqualRecount(db, p1));

        // And from then on every writer's changes are counted, SQL by hand included.
        await SqlScript.Execute(db, """
            UPDATE tickets SET status = 'closed', assignee_id = NULL WHERE project_id = $2 AND number % 5 = 0;
            DELETE FROM tickets WHERE project_id = $3 AND number > 70;
            """, agent, p1, p2);
        Assert.Equal(500, await TicketRecount.AssertCountersEqualRecount(db, p1));
        Assert.Equal(70, await TicketRecount.AssertCountersEqualRecount(db, p2));
    }
}
