using Npgsql;

namespace Zapnoty.Grains.Tests.Infrastructure;

/// <summary>Tickets written by SQL with a set creation time (the API always creates them now), with a customer of their own.</summary>
public static class SqlTickets
{
    public static async Task Insert(NpgsqlDataSource db, Guid projectId, long number, string channel, DateTimeOffset createdAt)
    {
        await using var command = db.CreateCommand("""
            WITH c AS (INSERT INTO customers (id, project_id, channel, external_id, name, created_at)
                       VALUES (gen_random_uuid(), $1, $3, 'sql-' || $2, 'Old', now()) RETURNING id)
            INSERT INTO tickets (id, project_id, number, subject, status, priority, channel, customer_id, created_at, updated_at)
            SELECT gen_random_uuid(), $1, $2, 'Old', 'new', 'normal', $3, c.id, $4, $4 FROM c
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = projectId });
        command.Parameters.Add(new NpgsqlParameter { Value = number });
        command.Parameters.Add(new NpgsqlParameter { Value = channel });
        command.Parameters.Add(new NpgsqlParameter { Value = createdAt });
        await command.ExecuteNonQueryAsync();
    }
}
