using Npgsql;
using NpgsqlTypes;
using Zapnoty.Grains.Audit;
using Zapnoty.Grains.Storage;
using static Zapnoty.Grains.Storage.OneTransaction;

namespace Zapnoty.Grains.Assignment;

/// <summary>A project's auto-assignment settings, its agents' availability, and what a round of assignment reads.</summary>
public sealed class AssignmentStore(NpgsqlDataSource dataSource)
{
    /// <summary>Members who logged in once and were not removed, with what assignment weighs; the role says who handles tickets.</summary>
    private const string AgentsSql = """
        SELECT m.user_id,
               coalesce(a.available, true),
               (SELECT max(coalesce(s.last_seen_at, s.created_at)) FROM sessions s WHERE s.user_id = m.user_id),
               a.last_assigned_seq,
               (SELECT count(*) FROM tickets t WHERE t.project_id = m.project_id AND t.assignee_id = m.user_id AND t.closed_at IS NULL),
               m.role
          FROM members m
          LEFT JOIN assignment_agents a ON a.project_id = m.project_id AND a.user_id = m.user_id
         WHERE m.project_id = $1 AND m.removed_at IS NULL AND m.user_id IS NOT NULL
        """;

    /// <summary>
    /// Open unassigned tickets, oldest first (the partial index tickets_open_by_assignee); none
    /// once the project is deleted, so its backlog stops being retried.
    /// </summary>
    private const string WaitingSql = """
        SELECT id FROM tickets
         WHERE project_id = $1 AND assignee_id IS NULL AND closed_at IS NULL
           AND EXISTS (SELECT 1 FROM projects p WHERE p.id = $1 AND p.deleted_at IS NULL)
         ORDER BY number LIMIT $2
        """;

    public async Task<AssignmentSettings> Load(Guid projectId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT mode, max_open_per_agent, away_after_minutes FROM assignment_settings WHERE project_id = $1");
        command.Parameters.Add(new() { Value = projectId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return AssignmentSettings.Off;
        return new AssignmentSettings(WireNames.ParseWire<AssignmentMode>(reader.GetString(0)),
            reader.IsDBNull(1) ? null : reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetInt32(2));
    }

    public Task Save(Guid projectId, AssignmentSettings settings, AuditEntry audit, CancellationToken cancellationToken)
    {
        var upsert = Command("""
            INSERT INTO assignment_settings (project_id, mode, max_open_per_agent, away_after_minutes, updated_at)
            VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (project_id) DO UPDATE SET mode = EXCLUDED.mode, max_open_per_agent = EXCLUDED.max_open_per_agent,
                   away_after_minutes = EXCLUDED.away_after_minutes, updated_at = EXCLUDED.updated_at
            """, projectId, settings.Mode.Wire(), settings.MaxOpenPerAgent, settings.AwayAfterMinutes, audit.At);
        upsert.Parameters[2].NpgsqlDbType = NpgsqlDbType.Integer;
        upsert.Parameters[3].NpgsqlDbType = NpgsqlDbType.Integer;
        return dataSource.Commit([upsert, AuditWrites.Insert(projectId, audit)], cancellationToken);
    }

    public Task SetAvailability(Guid projectId, Guid userId, bool available, CancellationToken cancellationToken) =>
        dataSource.Commit([Command("""
            INSERT INTO assignment_agents (project_id, user_id, available) VALUES ($1, $2, $3)
            ON CONFLICT (project_id, user_id) DO UPDATE SET available = EXCLUDED.available
            """, projectId, userId, available)], cancellationToken);

    /// <summary>Every logged-in member's availability and last activity, for the team list.</summary>
    public async Task<IReadOnlyList<AgentPresence>> Presence(Guid projectId, AssignmentSettings settings, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var presence = new List<AgentPresence>();
        await foreach (var agent in Agents(projectId, cancellationToken))
            presence.Add(new AgentPresence(agent.UserId, agent.Available, agent.LastActiveAt, IsAway(agent.Available, agent.LastActiveAt, settings, now)));
        return presence;
    }

    /// <summary>What one round of assignment works from: the agents who may take tickets now, and the oldest waiting tickets.</summary>
    public async Task<(List<Candidate> Agents, List<Guid> Waiting)> Round(Guid projectId, AssignmentSettings settings, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var agents = new List<Candidate>();
        await foreach (var agent in Agents(projectId, cancellationToken))
            if (agent.HandlesTickets && !IsAway(agent.Available, agent.LastActiveAt, settings, now))
                agents.Add(new Candidate(agent.UserId, agent.Open, agent.LastAssignedSeq));

        await using var command = dataSource.CreateCommand(WaitingSql);
        command.Parameters.Add(new() { Value = projectId });
        command.Parameters.Add(new() { Value = AssignmentLimits.WaitingPerRound });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var waiting = new List<Guid>();
        while (await reader.ReadAsync(cancellationToken)) waiting.Add(reader.GetGuid(0));
        return (agents, waiting);
    }

    public static bool IsAway(bool available, DateTimeOffset? lastActiveAt, AssignmentSettings settings, DateTimeOffset now) =>
        !available || settings.AwayAfterMinutes is { } minutes && (lastActiveAt is not { } active || now - active > TimeSpan.FromMinutes(minutes));

    private sealed record AgentRow(Guid UserId, bool Available, DateTimeOffset? LastActiveAt, long? LastAssignedSeq, int Open, bool HandlesTickets);

    private async IAsyncEnumerable<AgentRow> Agents(Guid projectId, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(AgentsSql);
        command.Parameters.Add(new() { Value = projectId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            yield return new AgentRow(reader.GetGuid(0), reader.GetBoolean(1),
                reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2),
                reader.IsDBNull(3) ? null : reader.GetInt64(3),
                (int)reader.GetInt64(4),
                reader.GetString(5) is "owner" or "admin" or "support");
    }
}

/// <summary>
/// The statements an auto-assignment adds to the ticket's own transaction (as guards: each must
/// change one row, or nothing of the assignment is written). They make the cap hold across silos
/// even if two activations of the assignment grain ever decide at once.
/// </summary>
public static class AssignmentWrites
{
    public static IReadOnlyList<NpgsqlBatchCommand> Guards(Guid projectId, Guid assigneeId) =>
    [
        // First the project's settings row, locked until commit: concurrent auto-assignments of the
        // project queue here. Also refuses when the mode was switched off meanwhile.
        Command("UPDATE assignment_settings SET assignments = assignments + 1 WHERE project_id = $1 AND mode <> 'off'", projectId),
        // Then, in a new statement (READ COMMITTED: a fresh snapshot, taken after the lock was
        // granted, so it sees every assignment committed before ours), the agent's open tickets
        // counted with this one — the ticket row was updated earlier in this transaction — against
        // the cap, and their place in the turn moved to the end. An agent who switched to away is refused too.
        Command("""
            INSERT INTO assignment_agents (project_id, user_id, last_assigned_seq)
            SELECT $1, $2, s.assignments FROM assignment_settings s
             WHERE s.project_id = $1
               AND (s.max_open_per_agent IS NULL
                    OR (SELECT count(*) FROM tickets t WHERE t.project_id = $1 AND t.assignee_id = $2 AND t.closed_at IS NULL)
                       <= s.max_open_per_agent)
               AND NOT EXISTS (SELECT 1 FROM assignment_agents a WHERE a.project_id = $1 AND a.user_id = $2 AND NOT a.available)
            ON CONFLICT (project_id, user_id) DO UPDATE SET last_assigned_seq = EXCLUDED.last_assigned_seq
            """, projectId, assigneeId),
    ];
}
