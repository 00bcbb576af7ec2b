using System.Text.Json;
using Npgsql;

namespace Zapnoty.Grains.Tests.Infrastructure;

/// <summary>
/// What a statement did when it ran under <c>EXPLAIN (ANALYZE, FORMAT JSON)</c>: the indexes its
/// plan used and the node that touched most rows (returned, filtered out or rechecked, times loops).
/// </summary>
public sealed record QueryPlan(HashSet<string> Indexes, string WidestNode, double WidestRows, string Json)
{
    public static async Task<QueryPlan> Analyze(NpgsqlDataSource db, string sql, IEnumerable<NpgsqlParameter> parameters)
    {
        await using var command = db.CreateCommand("EXPLAIN (ANALYZE, FORMAT JSON) " + sql);
        command.Parameters.AddRange(parameters.ToArray());
        var json = (string)(await command.ExecuteScalarAsync())!;
        using var plan = JsonDocument.Parse(json);
        var indexes = new HashSet<string>();
        var widest = ("none", 0.0);
        void Walk(JsonElement node)
        {
            if (node.TryGetProperty("Index Name", out var index)) indexes.Add(index.GetString()!);
            var rows = node.GetProperty("Actual Loops").GetDouble() * (node.GetProperty("Actual Rows").GetDouble()
                + (node.TryGetProperty("Rows Removed by Filter", out var filtered) ? filtered.GetDouble() : 0)
                + (node.TryGetProperty("Rows Removed by Index Recheck", out var rechecked) ? rechecked.GetDouble() : 0));
            if (rows > widest.Item2) widest = (node.GetProperty("Node Type").GetString()!, rows);
            if (node.TryGetProperty("Plans", out var children))
                foreach (var child in children.EnumerateArray()) Walk(child);
        }
        Walk(plan.RootElement[0].GetProperty("Plan"));
        return new QueryPlan(indexes, widest.Item1, widest.Item2, json);
    }

    /// <summary>
    /// The most rows one node touched on <paramref name="relation"/> (through the table or one of its
    /// indexes): what a bound on a big table means, whatever a join reads of a tiny one, such as a
    /// test database's dozen tag links that the planner rightly scans whole.
    /// </summary>
    public double WidestOn(string relation)
    {
        using var plan = JsonDocument.Parse(Json);
        var widest = 0.0;
        void Walk(JsonElement node)
        {
            if (node.TryGetProperty("Relation Name", out var name) && name.GetString() == relation)
                widest = Math.Max(widest, node.GetProperty("Actual Loops").GetDouble() * (node.GetProperty("Actual Rows").GetDouble()
                    + (node.TryGetProperty("Rows Removed by Filter", out var filtered) ? filtered.GetDouble() : 0)
                    + (node.TryGetProperty("Rows Removed by Index Recheck", out var rechecked) ? rechecked.GetDouble() : 0)));
            if (node.TryGetProperty("Plans", out var children))
                foreach (var child in children.EnumerateArray()) Walk(child);
        }
        Walk(plan.RootElement[0].GetProperty("Plan"));
        return widest;
    }

    public override string ToString() => $"widest {WidestNode} {WidestRows} rows; indexes {string.Join(", ", Indexes)}\n{Json}";
}
