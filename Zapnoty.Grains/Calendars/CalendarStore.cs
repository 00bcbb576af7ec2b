using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Zapnoty.Grains.Audit;
using Zapnoty.Grains.Storage;
using static Zapnoty.Grains.Storage.OneTransaction;

namespace Zapnoty.Grains.Calendars;

/// <summary>A project's calendar, stored whole as JSON; each change is written with its audit entry.</summary>
public sealed class CalendarStore(NpgsqlDataSource dataSource)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public async Task<ProjectCalendar?> Load(Guid projectId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT calendar FROM project_calendars WHERE project_id = $1");
        command.Parameters.Add(new() { Value = projectId });
        return await command.ExecuteScalarAsync(cancellationToken) is string json
            ? JsonSerializer.Deserialize<ProjectCalendar>(json, Json)
            : null;
    }

    public Task Save(Guid projectId, ProjectCalendar calendar, AuditEntry audit, CancellationToken cancellationToken) =>
        dataSource.Commit([Upsert(projectId, calendar, audit.At), AuditWrites.Insert(projectId, audit)], cancellationToken);

    /// <summary>Stores the calendar without an audit entry: for a refresh of the imported part that changed no date.</summary>
    public Task SaveUnaudited(Guid projectId, ProjectCalendar calendar, DateTimeOffset at, CancellationToken cancellationToken) =>
        dataSource.Commit([Upsert(projectId, calendar, at)], cancellationToken);

    private static NpgsqlBatchCommand Upsert(Guid projectId, ProjectCalendar calendar, DateTimeOffset at)
    {
        var upsert = Command("""
            INSERT INTO project_calendars (project_id, calendar, updated_at) VALUES ($1, $2, $3)
            ON CONFLICT (project_id) DO UPDATE SET calendar = EXCLUDED.calendar, updated_at = EXCLUDED.updated_at
            """, projectId, JsonSerializer.Serialize(calendar, Json), at);
        upsert.Parameters[1].NpgsqlDbType = NpgsqlDbType.Jsonb;
        return upsert;
    }
}
