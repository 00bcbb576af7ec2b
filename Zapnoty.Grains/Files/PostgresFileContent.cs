using Npgsql;

namespace Zapnoty.Grains.Files;

/// <summary>
/// File bytes in PostgreSQL, as 1 MB bytea chunks: written one chunk at a time as the upload
/// arrives and read back one chunk at a time, so neither side holds a whole file in memory.
/// One component, works everywhere (backups include the files).
/// </summary>
public sealed class PostgresFileContent(NpgsqlDataSource dataSource) : IFileContent
{
    public const int ChunkBytes = 1024 * 1024;

    public string Backend => "postgres";

    public async Task<string?> Write(Guid projectId, Guid fileId, Stream content, CancellationToken cancellationToken)
    {
        var buffer = new byte[ChunkBytes];
        for (var seq = 0; ; seq++)
        {
            var filled = await content.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
            if (filled == 0) return null;
            await using var command = dataSource.CreateCommand("INSERT INTO stored_file_chunks (file_id, seq, data) VALUES ($1, $2, $3)");
            command.Parameters.Add(new() { Value = fileId });
            command.Parameters.Add(new() { Value = seq });
            command.Parameters.Add(new() { Value = new ArraySegment<byte>(buffer, 0, filled), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bytea });
            await command.ExecuteNonQueryAsync(cancellationToken);
            if (filled < buffer.Length) return null;
        }
    }

    public Task<Stream> Open(StoredFile file, CancellationToken cancellationToken) => Task.FromResult<Stream>(new ChunkStream(dataSource, file));

    /// <summary>The chunks go with the row (ON DELETE CASCADE).</summary>
    public Task Delete(StoredFile file, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Reads the chunks in order, fetching the next one only when the previous is used up.</summary>
    private sealed class ChunkStream(NpgsqlDataSource dataSource, StoredFile file) : Stream
    {
        private byte[] _chunk = [];
        private int _offset;
        private int _next;
        private long _position;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_offset == _chunk.Length)
            {
                if (_position >= file.Size) return 0;
                await using var command = dataSource.CreateCommand("SELECT data FROM stored_file_chunks WHERE file_id = $1 AND seq = $2");
                command.Parameters.Add(new() { Value = file.Id });
                command.Parameters.Add(new() { Value = _next });
                _chunk = await command.ExecuteScalarAsync(cancellationToken) as byte[]
                    ?? throw new IOException($"Stored file {file.Id} lacks chunk {_next}.");
                _next++;
                _offset = 0;
                if (_chunk.Length == 0) return 0;
            }
            var count = Math.Min(buffer.Length, _chunk.Length - _offset);
            _chunk.AsMemory(_offset, count).CopyTo(buffer);
            _offset += count;
            _position += count;
            return count;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => file.Size;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
