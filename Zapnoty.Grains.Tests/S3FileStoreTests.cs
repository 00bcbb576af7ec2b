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
/// on the way in, streamed on the way out, nothing on a silo's disk; and end to end through the
/// API of a silo configured for S3, to the customer's Telegram and back.
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

    [Fact]
    public async Task On_a_silo_configured_for_S3_a_replys_file_lands_in_the_bucket_reaches_Telegram_intact_and_downloads_back()
    {
        await using var s3 = await S3rverProcess.Start("zapnoty-replies");
        // The real silo program, configured through its environment as an operator would.
        await using var silo = await SiloProcess.Start(new Dictionary<string, string>
        {
            ["Zapnoty__Smtp__Port"] = cluster.Smtp.Port.ToString(),
            ["Zapnoty__Telegram__ApiBaseUrl"] = cluster.Telegram.BaseUrl,
            ["Zapnoty__PublicBaseUrl"] = "https://helpdesk.example.com",
            ["Zapnoty__Files__S3__ServiceUrl"] = s3.ServiceUrl,
            ["Zapnoty__Files__S3__Bucket"] = s3.Bucket,
            ["Zapnoty__Files__S3__AccessKey"] = S3rverProcess.AccessKey,
            ["Zapnoty__Files__S3__SecretKey"] = S3rverProcess.SecretKey,
            ["Zapnoty__Files__S3__ForcePathStyle"] = "true",
        });
        using var http = new HttpClient { BaseAddress = silo.Api };
        var agent = await new ApiClient(http, cluster.Smtp).LogInAs();
        var projectId = await agent.CreateProject();
        var bot = cluster.Telegram.AddBot();
        await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/telegram", new { bot_token = bot.Token }, System.Net.HttpStatusCode.OK);
        var customer = TelegramCustomer.New("Lena", "Sokolova", "lena_s");
        await ChannelWebhook.Accepted(ChannelWebhook.Telegram(http, bot, TelegramUpdateBuilder.Text(customer, "Can you send me the contract?"),
            cluster.Telegram.WebhookOf(bot)!.SecretToken));
        var tickets = $"/v1/projects/{projectId}/helpdesk/tickets?customer_external_id={customer.Id}";
        await Poll.Eventually(async () => (await agent.Get(tickets)).GetProperty("items").GetArrayLength() == 1);
        var ticketId = (await agent.Get(tickets)).GetProperty("items")[0].GetProperty("id").GetGuid();

        var contract = "%PDF-1.7\n"u8.ToArray().Concat(TestFiles.RandomBytes(6 * 1024 * 1024)).ToArray();
        using var reply = await ReplyFileTests.ReplyWithFiles(agent, ticketId, "The contract, as promised", ("contract.pdf", "application/pdf", contract));
        Assert.Equal(System.Net.HttpStatusCode.Created, reply.StatusCode);
        var messageId = System.Text.Json.JsonDocument.Parse(await reply.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();

        // In the bucket, under the project's prefix, whole.
        using var client = Client(s3);
        var listed = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = s3.Bucket, Prefix = $"files/{projectId:N}/" });
        Assert.Equal([contract.LongLength], (listed.S3Objects ?? []).Select(o => o.Size ?? 0));
        // To the customer byte for byte, read back from the bucket by the channel sender.
        var sent = await cluster.Telegram.WaitForFiles(f => f.Any(x => x.ChatId == customer.ChatId));
        var file = sent.Single(f => f.ChatId == customer.ChatId);
        Assert.Equal(("sendDocument", "contract.pdf", "The contract, as promised"), (file.Method, file.FileName, file.Caption));
        Assert.Equal(contract, file.Content);
        // And back to the team from the conversation.
        using var download = await agent.Send(HttpMethod.Get, $"/v1/helpdesk/tickets/{ticketId}/messages/{messageId}/attachments/0");
        Assert.Equal(System.Net.HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(contract, await download.Content.ReadAsByteArrayAsync());
        await Poll.Eventually(async () => (await agent.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages").EnumerateArray().Last()
            .GetProperty("delivery").GetString() == "delivered");
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
