using Npgsql;
using Zapnoty.Grains.Audit;
using Zapnoty.Grains.Storage;

namespace Zapnoty.Grains.Tags;

/// <summary>A project's tags; every change with its audit entry in one transaction.</summary>
public sealed class TagStore(NpgsqlDataSource dataSource)
{
    private const string Columns = "id, name, color, created_at, archived_at IS NOT NULL";

    /// <summary>All tags of the project, archived ones too, by name.</summary>
    public async Task<List<TagView>> Load(Guid projectId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM tags WHERE project_id = $1 ORDER BY lower(name), id");
        command.Parameters.Add(new() { Value = projectId });
        return await Read(command, cancellationToken);
    }

    /// <summary>The project's tags among <paramref name="tagIds"/> (ids of other projects are simply not found).</summary>
    public async Task<List<TagView>> Find(Guid projectId, IReadOnlyCollection<Guid> tagIds, CancellationToken cancellationToken)
    {
        if (tagIds.Count == 0) return [];
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM tags WHERE project_id = $1 AND id = ANY ($2) ORDER BY lower(name), id");
        command.Parameters.Add(new() { Value = projectId });
        command.Parameters.Add(new() { Value = tagIds.ToArray() });
        return await Read(command, cancellationToken);
    }

    private static async Task<List<TagView>> Read(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var tags = new List<TagView>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            tags.Add(new TagView(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3), reader.GetBoolean(4)));
        return tags;
    }

    /// <summary>False when the name is taken by a live tag (the unique index decides, so two racing creations cannot both win).</summary>
    public async Task<bool> Insert(Guid projectId, TagView tag, AuditEntry audit, CancellationToken cancellationToken)
    {
        try
        {
            await dataSource.Commit([
                OneTransaction.Command("INSERT INTO tags (id, project_id, name, color, created_at) VALUES ($1, $2, $3, $4, $5)",
                    tag.Id, projectId, tag.Name, tag.Color, tag.CreatedAt),
                AuditWrites.Insert(projectId, audit),
            ], cancellationToken);
            return true;
        }
        catch (PostgresException e) when (e is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "tags_active_name" })
        {
            return false;
        }
    }

    /// <summary>False when the new name is taken by another live tag.</summary>
    public async Task<bool> Update(Guid projectId, TagView tag, AuditEntry audit, CancellationToken cancellationToken)
    {
        try
        {
            await dataSource.Commit([
                OneTransaction.Command("UPDATE tags SET name = $3, color = $4 WHERE id = $1 AND project_id = $2", tag.Id, projectId, tag.Name, tag.Color),
                AuditWrites.Insert(projectId, audit),
            ], cancellationToken);
            return true;
        }
        catch (PostgresException e) when (e is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "tags_active_name" })
        {
            return false;
        }
    }

    /// <summary>
    /// Deletes a tag no ticket has; archives one that tickets have (they keep it). The check
    /// and the delete are one statement, and the foreign key refuses a delete that races an
    /// assignment, so a used tag is never lost.
    /// </summary>
    public async Task<TagRemoval> Remove(Guid projectId, Guid tagId, Func<TagRemoval, AuditEntry> audit, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        int deleted;
        try
        {
            await using var delete = new NpgsqlCommand("""
                DELETE FROM tags WHERE id = $1 AND project_id = $2 AND NOT EXISTS (SELECT 1 FROM ticket_tags WHERE tag_id = $1)
                """, connection, transaction) { Parameters = { new() { Value = tagId }, new() { Value = projectId } } };
            deleted = await delete.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            await transaction.RollbackAsync(cancellationToken);
            return await Archive(projectId, tagId, audit(TagRemoval.Archived), now, cancellationToken);
        }
        var removal = deleted == 1 ? TagRemoval.Deleted : TagRemoval.Archived;
        await using var batch = new NpgsqlBatch(connection, transaction);
        if (removal == TagRemoval.Archived)
            batch.BatchCommands.Add(ArchiveCommand(projectId, tagId, now));
        batch.BatchCommands.Add(AuditWrites.Insert(projectId, audit(removal)));
        await batch.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return removal;
    }

    private async Task<TagRemoval> Archive(Guid projectId, Guid tagId, AuditEntry audit, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await dataSource.Commit([
            ArchiveCommand(projectId, tagId, now),
            AuditWrites.Insert(projectId, audit),
        ], cancellationToken);
        return TagRemoval.Archived;
    }

    private static NpgsqlBatchCommand ArchiveCommand(Guid projectId, Guid tagId, DateTimeOffset now) =>
        OneTransaction.Command("UPDATE tags SET archived_at = $3 WHERE id = $1 AND project_id = $2", tagId, projectId, now);
}
