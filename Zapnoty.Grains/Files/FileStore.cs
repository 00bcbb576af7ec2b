using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Zapnoty.Grains.Files;

/// <summary>
/// Files agents send: the row in <c>stored_files</c> (always PostgreSQL) and the bytes in the
/// configured backend. New files go to <see cref="_writeTo"/>; each is read back from the backend
/// its row names, so switching to S3 leaves the older files readable.
/// </summary>
public sealed class FileStore(NpgsqlDataSource dataSource, IEnumerable<IFileContent> backends, TimeProvider clock, ILogger<FileStore> log)
{
    private const string Columns = "id, project_id, name, content_type, size, backend, s3_key";

    private readonly Dictionary<string, IFileContent> _backends = backends.ToDictionary(b => b.Backend);
    // The last registered backend takes new files: S3 when configured, else PostgreSQL.
    private readonly IFileContent _writeTo = backends.Last();

    /// <summary>
    /// Stores the upload, streaming, unattached. Over <paramref name="maxBytes"/>:
    /// <see cref="FileTooLargeException"/>; empty: Invalid on <c>files</c>. Either way nothing is kept.
    /// </summary>
    public async Task<StoredFile> Save(Guid projectId, string? rawName, string? claimedType, Stream content, long maxBytes, CancellationToken cancellationToken)
    {
        var name = FileNames.Sanitise(rawName);
        var file = new StoredFile(Guid.NewGuid(), projectId, name, FileTypes.Binary, 0, _writeTo.Backend, null);
        await Execute($"INSERT INTO stored_files ({Columns}, created_at) VALUES ($1, $2, $3, $4, 0, $5, NULL, $6)", cancellationToken,
            file.Id, projectId, name, file.ContentType, file.Backend, clock.GetUtcNow());
        try
        {
            var metered = new MeteredStream(content, name, maxBytes);
            var key = await _writeTo.Write(projectId, file.Id, metered, cancellationToken);
            file = file with { S3Key = key, Size = metered.Count };
            if (metered.Count == 0)
                throw DomainException.Invalid("files", $"The file \"{name}\" is empty.");
            file = file with { ContentType = FileTypes.ContentTypeOf(metered.Head, claimedType) };
            await Execute("UPDATE stored_files SET size = $2, content_type = $3, s3_key = $4 WHERE id = $1", cancellationToken,
                file.Id, file.Size, file.ContentType, (object?)key ?? DBNull.Value);
            return file;
        }
        catch
        {
            await Delete([file], CancellationToken.None);
            throw;
        }
    }

    /// <summary>The project's file with its bytes opened, or null when the project has no such file.</summary>
    public async Task<(StoredFile File, Stream Content)?> Open(Guid projectId, Guid fileId, CancellationToken cancellationToken)
    {
        var file = (await Find([fileId], cancellationToken)).SingleOrDefault(f => f.ProjectId == projectId);
        if (file is null) return null;
        return (file, await _backends[file.Backend].Open(file, cancellationToken));
    }

    /// <summary>Deletes the files (bytes first, then rows); a failure is logged, the sweeper tries again.</summary>
    public async Task Delete(IReadOnlyList<StoredFile> files, CancellationToken cancellationToken)
    {
        foreach (var file in files)
        {
            try
            {
                // No key: the bytes never reached the bucket (an upload cut off), so there is only the row.
                if (file.S3Key is not null) await _backends[file.Backend].Delete(file, cancellationToken);
                await Execute("DELETE FROM stored_files WHERE id = $1", cancellationToken, file.Id);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning(e, "Stored file {FileId} could not be deleted; the sweeper tries again", file.Id);
            }
        }
    }

    /// <summary>Deletes files uploaded before <paramref name="before"/> that no reply took (a refused reply, a stopped silo).</summary>
    public async Task<int> DeleteUnattached(DateTimeOffset before, CancellationToken cancellationToken)
    {
        var files = new List<StoredFile>();
        await using (var command = dataSource.CreateCommand($"SELECT {Columns} FROM stored_files WHERE attached_at IS NULL AND created_at < $1 LIMIT 500"))
        {
            command.Parameters.Add(new() { Value = before });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) files.Add(Read(reader));
        }
        await Delete(files, cancellationToken);
        return files.Count;
    }

    /// <summary>
    /// Attaches the files to the reply, in the reply's transaction. They must be this project's and
    /// not yet attached; otherwise the statement fails (division by zero) and so does the reply.
    /// </summary>
    public static NpgsqlBatchCommand Attach(Guid projectId, IReadOnlyList<Guid> fileIds, Guid ticketId, Guid messageId, DateTimeOffset now) => new("""
        WITH a AS (UPDATE stored_files SET ticket_id = $3, message_id = $4, attached_at = $5
                    WHERE id = ANY($1) AND project_id = $2 AND attached_at IS NULL RETURNING 1)
        SELECT 1 / (CASE WHEN count(*) = cardinality($1) THEN 1 ELSE 0 END) FROM a
        """)
    {
        Parameters =
        {
            new() { Value = fileIds.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
            new() { Value = projectId },
            new() { Value = ticketId },
            new() { Value = messageId },
            new() { Value = now },
        },
    };

    private async Task<List<StoredFile>> Find(Guid[] ids, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM stored_files WHERE id = ANY($1)");
        command.Parameters.Add(new() { Value = ids });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var files = new List<StoredFile>();
        while (await reader.ReadAsync(cancellationToken)) files.Add(Read(reader));
        return files;
    }

    private static StoredFile Read(NpgsqlDataReader reader) => new(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3),
        reader.GetInt64(4), reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6));

    private async Task Execute(string sql, CancellationToken cancellationToken, params object[] values)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
