using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Zapnoty.Grains.Audit;
using Zapnoty.Grains.Storage;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Rules;

/// <summary>A project's rules (each change with its audit entry in one transaction) and the firings recorded on tickets.</summary>
public sealed class RuleStore(NpgsqlDataSource dataSource)
{
    private const string Columns =
        "id, name, enabled, trigger_type, trigger_target, trigger_minutes, priority, type_id, actions::text, created_at, updated_at";

    /// <summary>The project's rules, oldest first (the order they are evaluated in).</summary>
    public async Task<List<RuleView>> Load(Guid projectId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM helpdesk_rules WHERE project_id = $1 ORDER BY created_at, id");
        command.Parameters.Add(new() { Value = projectId });
        var rules = new List<RuleView>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            rules.Add(new RuleView(
                reader.GetGuid(0), reader.GetString(1), reader.GetBoolean(2),
                new RuleTrigger(reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetDecimal(5)),
                new RuleConditions(reader.IsDBNull(6) ? null : WireNames.ParseWire<TicketPriority>(reader.GetString(6)), reader.IsDBNull(7) ? null : reader.GetGuid(7)),
                JsonSerializer.Deserialize<List<RuleAction>>(reader.GetString(8), WireJson.Options) ?? [],
                reader.GetFieldValue<DateTimeOffset>(9), reader.GetFieldValue<DateTimeOffset>(10)));
        return rules;
    }

    public Task Insert(Guid projectId, RuleView rule, AuditEntry audit, CancellationToken cancellationToken) =>
        dataSource.Commit([
            Write("""
                INSERT INTO helpdesk_rules (id, project_id, name, enabled, trigger_type, trigger_target, trigger_minutes, priority, type_id,
                                            actions, created_at, updated_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12)
                """, projectId, rule),
            AuditWrites.Insert(projectId, audit),
        ], cancellationToken);

    public Task Update(Guid projectId, RuleView rule, AuditEntry audit, CancellationToken cancellationToken) =>
        dataSource.Commit([
            Write("""
                UPDATE helpdesk_rules
                   SET name = $3, enabled = $4, trigger_type = $5, trigger_target = $6, trigger_minutes = $7, priority = $8, type_id = $9,
                       actions = $10::jsonb, updated_at = $12
                 WHERE id = $1 AND project_id = $2 AND created_at = $11
                """, projectId, rule),
            AuditWrites.Insert(projectId, audit),
        ], cancellationToken);

    /// <summary>Deletes the rule and the record of its firings (a history entry keeps its name on each ticket it acted on).</summary>
    public Task Delete(Guid projectId, Guid ruleId, AuditEntry audit, CancellationToken cancellationToken) =>
        dataSource.Commit([
            OneTransaction.Command("DELETE FROM helpdesk_rules WHERE id = $1 AND project_id = $2", ruleId, projectId),
            AuditWrites.Insert(projectId, audit),
        ], cancellationToken);

    private static NpgsqlBatchCommand Write(string sql, Guid projectId, RuleView rule) => new(sql)
    {
        Parameters =
        {
            new() { Value = rule.Id },
            new() { Value = projectId },
            new() { Value = rule.Name },
            new() { Value = rule.Enabled },
            new() { Value = rule.Trigger.Type },
            new() { Value = (object?)rule.Trigger.Target ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
            new() { Value = (object?)rule.Trigger.Minutes ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Numeric },
            new() { Value = (object?)rule.Conditions.Priority?.Wire() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
            new() { Value = (object?)rule.Conditions.TypeId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid },
            new() { Value = JsonSerializer.Serialize(rule.Actions, WireJson.Options) },
            new() { Value = rule.CreatedAt },
            new() { Value = rule.UpdatedAt },
        },
    };

    /// <summary>The (rule, cycle) pairs that already fired on the ticket.</summary>
    public async Task<HashSet<(Guid Rule, DateTimeOffset Cycle)>> Firings(Guid ticketId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT rule_id, cycle_at FROM rule_firings WHERE ticket_id = $1");
        command.Parameters.Add(new() { Value = ticketId });
        var fired = new HashSet<(Guid, DateTimeOffset)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) fired.Add((reader.GetGuid(0), reader.GetFieldValue<DateTimeOffset>(1)));
        return fired;
    }

    /// <summary>
    /// The firing's record, as a guard of the ticket's transaction: it must insert exactly one row,
    /// so a firing already recorded (by a repeated tick or another activation) or a rule disabled
    /// or deleted meanwhile rolls the whole firing back.
    /// </summary>
    public static NpgsqlBatchCommand Fire(Guid ruleId, Guid ticketId, DateTimeOffset cycle, DateTimeOffset now) => OneTransaction.Command("""
        INSERT INTO rule_firings (rule_id, ticket_id, cycle_at, fired_at)
        SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM helpdesk_rules WHERE id = $1 AND enabled)
        ON CONFLICT DO NOTHING
        """, ruleId, ticketId, cycle, now);
}
