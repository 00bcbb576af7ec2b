using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Zapnoty.Grains.Files;

/// <summary>
/// File bytes in an S3-compatible bucket (AWS, MinIO, Yandex Object Storage), under
/// <c>files/{project}/{file}</c>. An upload of up to one part (8 MB) is one PUT; a bigger one
/// goes as a multipart upload of 8 MB parts, so at most one part is held in memory. Checksums
/// and chunked signing are asked for only where S3 requires them: older S3-compatible servers
/// do not understand the trailing-checksum encoding AWS SDK 4 uses by default.
/// </summary>
public sealed class S3FileContent : IFileContent, IDisposable
{
    public const int PartBytes = 8 * 1024 * 1024;

    private readonly AmazonS3Client _s3;
    private readonly string _bucket;
    private readonly ILogger<S3FileContent> _log;

    public S3FileContent(IOptions<StoredFileOptions> options, ILogger<S3FileContent> log)
    {
        _log = log;
        var s3 = options.Value.S3;
        _bucket = s3.Bucket ?? throw new InvalidOperationException($"{StoredFileOptions.Section}:S3:Bucket is not set.");
        var config = new AmazonS3Config
        {
            ForcePathStyle = s3.ForcePathStyle,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (string.IsNullOrWhiteSpace(s3.ServiceUrl))
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(s3.Region);
        else
        {
            config.ServiceURL = s3.ServiceUrl;
            config.AuthenticationRegion = s3.Region;
        }
        AWSCredentials credentials = string.IsNullOrEmpty(s3.AccessKey)
            ? new AnonymousAWSCredentials()
            : new BasicAWSCredentials(s3.AccessKey, s3.SecretKey);
        _s3 = new AmazonS3Client(credentials, config);
    }

    public string Backend => "s3";

    public async Task<string?> Write(Guid projectId, Guid fileId, Stream content, CancellationToken cancellationToken)
    {
        var key = $"files/{projectId:N}/{fileId:N}";
        var part = new byte[PartBytes];
        var filled = await content.ReadAtLeastAsync(part, part.Length, throwOnEndOfStream: false, cancellationToken);
        if (filled < part.Length)
        {
            await _s3.PutObjectAsync(new PutObjectRequest
            {
                BucketName = _bucket, Key = key, InputStream = new MemoryStream(part, 0, filled, writable: false), UseChunkEncoding = false,
                ContentType = FileTypes.Binary,
            }, cancellationToken);
            return key;
        }

        var upload = await _s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = _bucket, Key = key, ContentType = FileTypes.Binary },
            cancellationToken);
        try
        {
            var parts = new List<PartETag>();
            for (var number = 1; filled > 0; number++)
            {
                var uploaded = await _s3.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = _bucket, Key = key, UploadId = upload.UploadId, PartNumber = number,
                    InputStream = new MemoryStream(part, 0, filled, writable: false), PartSize = filled, UseChunkEncoding = false,
                }, cancellationToken);
                parts.Add(new PartETag(number, uploaded.ETag));
                filled = await content.ReadAtLeastAsync(part, part.Length, throwOnEndOfStream: false, cancellationToken);
            }
            await _s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = _bucket, Key = key, UploadId = upload.UploadId, PartETags = parts,
            }, cancellationToken);
            return key;
        }
        catch
        {
            try
            {
                await _s3.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = _bucket, Key = key, UploadId = upload.UploadId },
                    CancellationToken.None);
            }
            catch (AmazonS3Exception e)
            {
                // The upload's own failure is the one to report; the parts left behind cost space until a lifecycle rule clears them.
                _log.LogWarning("Aborting the multipart upload of {ObjectName} failed ({Status} {S3Error}); its parts stay until the bucket's lifecycle rule removes them",
                    key, (int)e.StatusCode, e.ErrorCode);
            }
            throw;
        }
    }

    public async Task<Stream> Open(StoredFile file, CancellationToken cancellationToken)
    {
        var response = await _s3.GetObjectAsync(new GetObjectRequest { BucketName = _bucket, Key = file.S3Key }, cancellationToken);
        return new OwningStream(response.ResponseStream, response);
    }

    public Task Delete(StoredFile file, CancellationToken cancellationToken) =>
        _s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _bucket, Key = file.S3Key }, cancellationToken);

    public void Dispose() => _s3.Dispose();

    /// <summary>The object's body; disposing it also disposes the response (which frees the connection).</summary>
    private sealed class OwningStream(Stream inner, IDisposable owner) : Stream
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            inner.ReadAsync(buffer, offset, count, cancellationToken);
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                owner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
