using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Zapnoty.Api.Tickets;

/// <summary>
/// The <c>Idempotency-Key</c> fingerprint of a multipart form, taken while the form streams (the
/// files go to the store as they arrive, so there is no second read): SHA-256 over the request line
/// (<see cref="IdempotencyKeyHeader.AppendRequestLine"/>), then per part in order its field name,
/// file name and content type, each length-prefixed, and the SHA-256 and length of its bytes. The
/// boundary and the parts' other headers are not in it: a client picks a new boundary on every
/// send, and its repeat is still the same request.
/// </summary>
public sealed class FormFingerprint : IDisposable
{
    private readonly IncrementalHash _form = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly IncrementalHash _part = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _partBytes = -1;

    public FormFingerprint(HttpRequest request) => IdempotencyKeyHeader.AppendRequestLine(_form, request);

    /// <summary>The part's body, read through: its bytes go into the fingerprint as the handler reads them (to the end).</summary>
    public Stream Part(string? field, string? fileName, string? contentType, Stream body)
    {
        EndPart();
        _form.AppendData(Encoding.UTF8.GetBytes($"part {Prefixed(field)} {Prefixed(fileName)} {Prefixed(contentType)}\n"));
        _partBytes = 0;
        return new ReadThrough(body, this);
    }

    /// <summary>The fingerprint of the whole form, once every part was read.</summary>
    public string Finish()
    {
        EndPart();
        return Convert.ToHexStringLower(_form.GetHashAndReset());
    }

    public void Dispose()
    {
        _form.Dispose();
        _part.Dispose();
    }

    private void EndPart()
    {
        if (_partBytes < 0) return;
        _form.AppendData(Encoding.UTF8.GetBytes($"bytes {_partBytes} "));
        _form.AppendData(_part.GetHashAndReset());
        _form.AppendData("\n"u8);
        _partBytes = -1;
    }

    private void Read(ReadOnlySpan<byte> bytes)
    {
        _part.AppendData(bytes);
        _partBytes += bytes.Length;
    }

    // Length-prefixed, so that no two different sets of names hash the same; "-" for an absent one.
    private static string Prefixed(string? value) => value is null ? "-" : $"{value.Length}:{value}";

    /// <summary>A read-only stream over a part's body that hands each chunk read to the fingerprint.</summary>
    private sealed class ReadThrough(Stream inner, FormFingerprint fingerprint) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var read = inner.Read(buffer);
            fingerprint.Read(buffer[..read]);
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken);
            fingerprint.Read(buffer.Span[..read]);
            return read;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
