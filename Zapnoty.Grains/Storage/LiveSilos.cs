using Npgsql;

namespace Zapnoty.Grains.Storage;

/// <summary>A silo the Orleans membership table lists as not dead, with a recent IAmAlive time.</summary>
public sealed record LiveSilo(string ClusterId, string Address, int Port, int Generation, string HostName, int Status, DateTime IAmAliveAt)
{
    public override string ToString() => $"{HostName} {Address}:{Port} (cluster {ClusterId}, generation {Generation}, status {Status}, alive at {IAmAliveAt:u})";

    /// <summary>
    /// Every silo of any cluster on this database that may still be running: status Created (1)
    /// to Stopping (5), not Dead (6), and an IAmAlive time within <paramref name="window"/>. The
    /// migrator runs before its own silo joins, so its own silo is never among them. None when
    /// the membership table does not exist yet.
    /// </summary>
    public static async Task<IReadOnlyList<LiveSilo>> Read(NpgsqlConnection connection, TimeSpan window, CancellationToken cancellationToken)
    {
        await using (var exists = new NpgsqlCommand("SELECT to_regclass('orleansmembershiptable') IS NOT NULL", connection))
            if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken))!) return [];
        await using var command = new NpgsqlCommand("""
            SELECT deploymentid, address, port, generation, hostname, status, iamalivetime
            FROM orleansmembershiptable
            WHERE status BETWEEN 1 AND 5 AND iamalivetime > now() - $1
            ORDER BY deploymentid, address, port
            """, connection);
        command.Parameters.AddWithValue(window);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var silos = new List<LiveSilo>();
        while (await reader.ReadAsync(cancellationToken))
            silos.Add(new LiveSilo(reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetString(4),
                reader.GetInt32(5), reader.GetDateTime(6)));
        return silos;
    }
}
