using System.Text.Json;
using Npgsql;
using Zapnoty.Grains.Audit;
using Zapnoty.Grains.Storage;
using static Zapnoty.Grains.Storage.OneTransaction;

namespace Zapnoty.Grains.BotLanguages;

/// <summary>A project's bot texts per language and its default language; each change is written with its audit entry.</summary>
public sealed class BotTextsStore(NpgsqlDataSource dataSource)
{
    public async Task<BotTextBook?> Load(Guid projectId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                Command("SELECT bot_language FROM projects WHERE id = $1", projectId),
                Command("SELECT language, texts::text, type_names::text FROM bot_texts WHERE project_id = $1", projectId),
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        var defaultLanguage = reader.GetString(0);
        await reader.NextResultAsync(cancellationToken);
        var languages = new Dictionary<string, BotLanguageTexts>();
        while (await reader.ReadAsync(cancellationToken))
            languages[reader.GetString(0)] = new BotLanguageTexts(
                // Keys a later release dropped are skipped, not failed on.
                (JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(1)) ?? []).Where(t => BotTextCatalog.IsKey(t.Key))
                    .ToDictionary(),
                JsonSerializer.Deserialize<Dictionary<Guid, string>>(reader.GetString(2)) ?? []);
        return new BotTextBook(defaultLanguage, languages);
    }

    /// <summary>Replaces the project's texts in one language; nothing of its own left deletes the row.</summary>
    public Task SaveLanguage(Guid projectId, string language, BotLanguageTexts texts, AuditEntry audit, CancellationToken cancellationToken) =>
        dataSource.Commit(
        [
            texts.IsEmpty
                ? Command("DELETE FROM bot_texts WHERE project_id = $1 AND language = $2", projectId, language)
                : Command("""
                    INSERT INTO bot_texts (project_id, language, texts, type_names, updated_at) VALUES ($1, $2, $3::jsonb, $4::jsonb, $5)
                    ON CONFLICT (project_id, language) DO UPDATE
                       SET texts = EXCLUDED.texts, type_names = EXCLUDED.type_names, updated_at = EXCLUDED.updated_at
                    """, projectId, language, JsonSerializer.Serialize(texts.Texts), JsonSerializer.Serialize(texts.TypeNames), audit.At),
            AuditWrites.Insert(projectId, audit),
        ], cancellationToken);

    public Task SaveDefaultLanguage(Guid projectId, string language, AuditEntry audit, CancellationToken cancellationToken) =>
        dataSource.Commit(
        [
            Command("UPDATE projects SET bot_language = $2, updated_at = $3 WHERE id = $1", projectId, language, audit.At),
            AuditWrites.Insert(projectId, audit),
        ], cancellationToken);
}
