using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Zapnoty.Grains.Files;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// With <c>Zapnoty:Files:S3</c> configured, the files agents send live in the bucket (here s3rver
/// on loopback, through the real AWSSDK.S3 client), their rows in PostgreSQL: streamed in parts
/// on the way in, streamed on the way out, nothing on a silo's disk.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class S3FileStoreTests(ClusterFixture cluster)
{
    [Fact]
    public async Task With_S3_configured_a_big_file_goes_to_the_bucket_in_parts_and_comes_back_byte_for_byte()
    {
        await using var s3 = await S3rverProcess.Start("zapnoty-files");
        await using var services = Services(s3);
        var store = services.GetRequiredService<FileStore>();
        var projectId = await (await cluster.Api().LogInAs()).CreateProject();
        var bytes = TestFiles.RandomBytes(20 * 1024 * 1024 + 123);

        var file = await store.Save(projectId, "dump.bin", "application/octet-stream", new MemoryStream(bytes), FileLimits.MaxFileBytes, CancellationToken.None);
        Assert.Equal(("s3", bytes.LongLength), (file.Backend, file.Size));
        Assert.Equal(0L, await Count("SELECT count(*) FROM stored_file_chunks WHERE file_id = $1", file.Id));
        using var client = Client(s3);
        var head = await client.GetObjectMetadataAsync(s3.Bucket, file.S3Key);
        Assert.Equal(bytes.LongLength, head.ContentLength);

        var opened = await store.Open(projectId, file.Id, CancellationToken.None);
        Assert.NotNull(opened);
        await using (var content = opened.Value.Content)
        {
            using var copy = new MemoryStream();
            await content.CopyToAsync(copy);
            Assert.Equal(bytes, copy.ToArray());
        }
        // Another project never gets it, whoever asks.
        Assert.Null(await store.Open(Guid.NewGuid(), file.Id, CancellationToken.None));

        await store.Delete([file], CancellationToken.None);
        Assert.Equal(0L, await Count("SELECT count(*) FROM stored_files WHERE id = $1", file.Id));
        var gone = await Assert.ThrowsAsync<AmazonS3Exception>(() => client.GetObjectMetadataAsync(s3.Bucket, file.S3Key));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task With_S3_a_small_photo_is_one_put_and_a_file_over_its_limit_leaves_nothing_behind()
    {
        await using var s3 = await S3rverProcess.Start("zapnoty-files");
        await using var services = Services(s3);
        var store = services.GetRequiredService<FileStore>();
        var projectId = await (await cluster.Api().LogInAs()).CreateProject();

        var photo = await store.Save(projectId, "red.png", "image/png", new MemoryStream(TestFiles.RedSquarePng), FileLimits.MaxFileBytes, CancellationToken.None);
        Assert.Equal(("image/png", "photo"), (photo.ContentType, photo.ToAttachment().Kind));

        await Assert.ThrowsAsync<FileTooLargeException>(() =>
            store.Save(projectId, "big.bin", null, new MemoryStream(TestFiles.RandomBytes(9 * 1024 * 1024)), 8 * 1024 * 1024 + 10, CancellationToken.None));
        Assert.Equal(1L, await Count("SELECT count(*) FROM stored_files WHERE project_id = $1", projectId));
        using var client = Client(s3);
        var listed = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = s3.Bucket, Prefix = $"files/{projectId:N}/" });
        Assert.Equal([photo.S3Key], (listed.S3Objects ?? []).Select(o => o.Key));
    }

    private ServiceProvider Services(S3rverProcess s3)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Zapnoty:Files:S3:ServiceUrl"] = s3.ServiceUrl,
            ["Zapnoty:Files:S3:Bucket"] = s3.Bucket,
            ["Zapnoty:Files:S3:AccessKey"] = S3rverProcess.AccessKey,
            ["Zapnoty:Files:S3:SecretKey"] = S3rverProcess.SecretKey,
            ["Zapnoty:Files:S3:ForcePathStyle"] = "true",
        }).Build();
        var services = new ServiceCollection().AddLogging().AddSingleton(cluster.Database).AddSingleton(TimeProvider.System);
        services.AddZapnotyFiles(configuration);
        return services.BuildServiceProvider();
    }

    private static AmazonS3Client Client(S3rverProcess s3) => new(new BasicAWSCredentials(S3rverProcess.AccessKey, S3rverProcess.SecretKey),
        new AmazonS3Config { ServiceURL = s3.ServiceUrl, ForcePathStyle = true, AuthenticationRegion = "us-east-1" });

    private async Task<long> Count(string sql, Guid id)
    {
        await using var command = cluster.Database.CreateCommand(sql);
        command.Parameters.Add(new() { Value = id });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
