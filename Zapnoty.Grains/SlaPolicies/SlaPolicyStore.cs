using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Zapnoty.Grains.Audit;
using Zapnoty.Grains.Storage;
using static Zapnoty.Grains.Storage.OneTransaction;

namespace Zapnoty.Grains.SlaPolicies;

/// <summary>A project's SLA policies, stored whole as JSON; each change is written with its audit entry.</summary>
public sealed class SlaPolicyStore(NpgsqlDataSource dataSource)
{
    public async Task<IReadOnlyList<SlaPolicy>> Load(Guid projectId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT policies::text FROM project_sla_policies WHERE project_id = $1");
        command.Parameters.Add(new() { Value = projectId });
        return await command.ExecuteScalarAsync(cancellationToken) is string json ? Read(json) : [];
    }

    public Task Save(Guid projectId, IReadOnlyList<SlaPolicy> policies, AuditEntry audit, CancellationToken cancellationToken)
    {
        var upsert = Command("""
            INSERT INTO project_sla_policies (project_id, policies, updated_at) VALUES ($1, $2, $3)
            ON CONFLICT (project_id) DO UPDATE SET policies = EXCLUDED.policies, updated_at = EXCLUDED.updated_at
            """, projectId, JsonSerializer.Serialize(policies, WireJson.Options), audit.At);
        upsert.Parameters[1].NpgsqlDbType = NpgsqlDbType.Jsonb;
        return dataSource.Commit([upsert, AuditWrites.Insert(projectId, audit)], cancellationToken);
    }

    /// <summary>A policy as a ticket row keeps it (<c>tickets.sla_policy</c>), in the same JSON as the list.</summary>
    public static string Json(SlaPolicy policy) => JsonSerializer.Serialize(policy, WireJson.Options);

    public static SlaPolicy ReadOne(string json) => JsonSerializer.Deserialize<SlaPolicy>(json, WireJson.Options)!;

    private static List<SlaPolicy> Read(string json) => JsonSerializer.Deserialize<List<SlaPolicy>>(json, WireJson.Options) ?? [];
}
