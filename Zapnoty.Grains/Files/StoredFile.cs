namespace Zapnoty.Grains.Files;

/// <summary>A file an agent uploaded, as kept: its safe name, the type its bytes showed, its size, and where the bytes are.</summary>
public sealed record StoredFile(Guid Id, Guid ProjectId, string Name, string ContentType, long Size, string Backend, string? S3Key)
{
    /// <summary>The attachment that carries it in a message (and in the outbox): <c>photo</c> or <c>document</c>.</summary>
    public Channels.Attachment ToAttachment() =>
        new(FileTypes.KindOf(ContentType, Size), Id.ToString(), Size, Name, ContentType, StoredId: Id);
}

/// <summary>A file went over <see cref="Limit"/> bytes while it was read; nothing of it is kept.</summary>
public sealed class FileTooLargeException(string name, long limit)
    : Exception($"The file \"{name}\" is larger than {limit / 1024 / 1024} MB, the most a messenger bot may send.")
{
    public long Limit { get; } = limit;
}

/// <summary>Where the bytes of files are: PostgreSQL or an S3 bucket.</summary>
public interface IFileContent
{
    /// <summary><c>postgres</c> or <c>s3</c>, as stored in the file's row.</summary>
    string Backend { get; }

    /// <summary>Writes the whole stream; returns the object key for S3, null for PostgreSQL.</summary>
    Task<string?> Write(Guid projectId, Guid fileId, Stream content, CancellationToken cancellationToken);

    Task<Stream> Open(StoredFile file, CancellationToken cancellationToken);

    Task Delete(StoredFile file, CancellationToken cancellationToken);
}

/// <summary>
/// Counts what passes, keeps the first bytes (to tell the type) and stops the read at once when
/// the file goes over its limit, so an oversized upload is never read (or stored) to its end.
/// </summary>
internal sealed class MeteredStream(Stream inner, string name, long limit) : Stream
{
    private readonly byte[] _head = new byte[FileTypes.SniffBytes];

    public long Count { get; private set; }
    public ReadOnlySpan<byte> Head => _head.AsSpan(0, (int)Math.Min(Count, _head.Length));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        Note(buffer.Span[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = inner.Read(buffer, offset, count);
        Note(buffer.AsSpan(offset, read));
        return read;
    }

    private void Note(ReadOnlySpan<byte> read)
    {
        if (Count < _head.Length) read[..(int)Math.Min(read.Length, _head.Length - Count)].CopyTo(_head.AsSpan((int)Count));
        Count += read.Length;
        if (Count > limit) throw new FileTooLargeException(name, limit);
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => Count; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
