using Npgsql;

namespace Zapnoty.Bench.Cluster;

/// <summary>The Orleans membership table as the cluster writes it: what it says of one silo port.</summary>
public sealed class Membership(NpgsqlDataSource db, string clusterId)
{
    /// <summary>Orleans' <c>SiloStatus.Dead</c>.</summary>
    public const int Dead = 6;

    /// <summary>Status of the latest generation on that port (null: no row).</summary>
    public async Task<int?> Status(int siloPort, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand(
            "SELECT status FROM orleansmembershiptable WHERE deploymentid = $1 AND port = $2 ORDER BY generation DESC LIMIT 1");
        command.Parameters.Add(new NpgsqlParameter { Value = clusterId });
        command.Parameters.Add(new NpgsqlParameter { Value = siloPort });
        return await command.ExecuteScalarAsync(cancellationToken) as int?;
    }

    /// <summary>
    /// Suspicion votes recorded against each silo (the <c>suspecttimes</c> column, one
    /// "voter, time" pair per vote, separated by '|') and the silos declared dead, per port.
    /// </summary>
    public async Task<IReadOnlyList<(int Port, int Status, int Votes)>> Suspicions(CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand(
            "SELECT port, status, coalesce(suspecttimes, '') FROM orleansmembershiptable WHERE deploymentid = $1 ORDER BY port, generation");
        command.Parameters.Add(new NpgsqlParameter { Value = clusterId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<(int, int, int)>();
        while (await reader.ReadAsync(cancellationToken))
            rows.Add((reader.GetInt32(0), reader.GetInt32(1), reader.GetString(2).Split('|', StringSplitOptions.RemoveEmptyEntries).Length));
        return rows;
    }

    /// <summary>When the cluster declared the silo dead, seen by polling; null if not within the timeout.</summary>
    public async Task<DateTimeOffset?> WaitDead(int siloPort, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (DateTimeOffset.UtcNow < deadline)
        {
            if (await Status(siloPort, cancellationToken) == Dead) return DateTimeOffset.UtcNow;
            await Task.Delay(100, cancellationToken);
        }
        return null;
    }
}
