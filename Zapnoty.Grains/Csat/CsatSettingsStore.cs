using Npgsql;
using Zapnoty.Grains.Audit;
using Zapnoty.Grains.Storage;
using static Zapnoty.Grains.Storage.OneTransaction;

namespace Zapnoty.Grains.Csat;

/// <summary>A project's CSAT survey settings; each change is written with its audit entry.</summary>
public sealed class CsatSettingsStore(NpgsqlDataSource dataSource)
{
    public async Task<CsatSettings?> Load(Guid projectId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT enabled, question_text, thanks_text, comment_prompt_text FROM csat_settings WHERE project_id = $1");
        command.Parameters.Add(new() { Value = projectId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new CsatSettings(reader.GetBoolean(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3))
            : null;
    }

    public Task Save(Guid projectId, CsatSettings settings, AuditEntry audit, CancellationToken cancellationToken)
    {
        var upsert = Command("""
            INSERT INTO csat_settings (project_id, enabled, question_text, thanks_text, comment_prompt_text, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (project_id) DO UPDATE SET enabled = EXCLUDED.enabled, question_text = EXCLUDED.question_text,
                thanks_text = EXCLUDED.thanks_text, comment_prompt_text = EXCLUDED.comment_prompt_text, updated_at = EXCLUDED.updated_at
            """, projectId, settings.Enabled, settings.QuestionText, settings.ThanksText, settings.CommentPromptText, audit.At);
        upsert.Parameters[4].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text;
        return dataSource.Commit([upsert, AuditWrites.Insert(projectId, audit)], cancellationToken);
    }
}
