namespace Zapnoty.Grains.Files;

/// <summary>
/// Configuration section <c>Zapnoty:Files</c>: where files agents send are kept and how big a
/// reply with files may be. Without <see cref="S3"/> (no bucket) the bytes go into PostgreSQL.
/// </summary>
public sealed class StoredFileOptions
{
    public const string Section = "Zapnoty:Files";

    /// <summary>The whole multipart request of one reply, all files together (413 beyond, refused before it is read).</summary>
    public long MaxReplyBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>Files uploaded for a reply that never committed (the silo stopped in between) are deleted after this long.</summary>
    public TimeSpan UnattachedLifetime { get; set; } = TimeSpan.FromHours(1);

    public S3Options S3 { get; set; } = new();
}

/// <summary>
/// <c>Zapnoty:Files:S3</c>: an S3-compatible bucket (AWS, MinIO, Yandex Object Storage). Used
/// when <see cref="Bucket"/> is set. <see cref="SecretKey"/> is never logged.
/// </summary>
public sealed class S3Options
{
    /// <summary>The endpoint, e.g. <c>https://storage.yandexcloud.net</c>; empty for AWS itself (then <see cref="Region"/> picks it).</summary>
    public string? ServiceUrl { get; set; }
    public string? Bucket { get; set; }
    public string? AccessKey { get; set; }
    public string? SecretKey { get; set; }
    public string Region { get; set; } = "us-east-1";
    /// <summary>MinIO and most self-hosted servers want <c>http://host/bucket/key</c> rather than <c>http://bucket.host/key</c>.</summary>
    public bool ForcePathStyle { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(Bucket);
}
