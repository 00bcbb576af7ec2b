using System.Net;
using System.Text.Json;
using Zapnoty.Grains.Tests.Infrastructure;
using static Zapnoty.Grains.Tests.Infrastructure.Poll;
using MaxUpdates = Zapnoty.Grains.Tests.Infrastructure.MaxUpdateBuilder;
using Updates = Zapnoty.Grains.Tests.Infrastructure.TelegramUpdateBuilder;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// Agents open the files customers sent: the API streams them from the messenger (Telegram through
/// getFile and its file endpoint, Max from its file servers only), to project members only.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class AttachmentFileTests(ClusterFixture cluster)
{
    private FakeTelegramServer Telegram => cluster.Telegram;
    private FakeMaxServer Max => cluster.Max;

    [Fact]
    public async Task A_telegram_photo_and_document_download_with_their_exact_bytes_type_and_name()
    {
        var (agent, projectId, bot) = await TelegramProject();
        var customer = TelegramCustomer.New("Pavel");
        var photoBytes = TestFiles.RedSquarePng;
        var documentBytes = TestFiles.RandomBytes(300_000);
        Telegram.AddFile(bot, "photo-dl-1", photoBytes, "photos/file_17.jpg");
        Telegram.AddFile(bot, "doc-dl-1", documentBytes, "documents/file_18.pdf");

        var ticketId = await TicketFrom(agent, projectId, bot, customer, Updates.Photo(customer, "See the screen", fileId: "photo-dl-1", fileSize: photoBytes.Length));
        await Post(bot, Updates.Document(customer, "Счёт \"март\" 2026.pdf", "application/pdf", documentBytes.Length, fileId: "doc-dl-1"));
        var messages = await MessagesWhen(agent, ticketId, 2);

        using (var photo = await agent.Send(HttpMethod.Get, AttachmentPath(ticketId, messages[0], 0)))
        {
            Assert.Equal(HttpStatusCode.OK, photo.StatusCode);
            Assert.Equal(photoBytes, await photo.Content.ReadAsByteArrayAsync());
            Assert.Equal("image/jpeg", photo.Content.Headers.ContentType!.MediaType);
            Assert.Equal(photoBytes.Length, photo.Content.Headers.ContentLength);
            Assert.Equal("attachment", photo.Content.Headers.ContentDisposition!.DispositionType);
            Assert.Equal("file_17.jpg", photo.Content.Headers.ContentDisposition.FileNameStar ?? photo.Content.Headers.ContentDisposition.FileName);
            Assert.Equal("nosniff", photo.Headers.GetValues("X-Content-Type-Options").Single());
        }

        using (var document = await agent.Send(HttpMethod.Get, AttachmentPath(ticketId, messages[1], 0)))
        {
            Assert.Equal(HttpStatusCode.OK, document.StatusCode);
            Assert.Equal(documentBytes, await document.Content.ReadAsByteArrayAsync());
            Assert.Equal("application/pdf", document.Content.Headers.ContentType!.MediaType);
            // The name is the customer's, escaped for the header (RFC 6266 filename*), never raw.
            Assert.Equal("Счёт \"март\" 2026.pdf", document.Content.Headers.ContentDisposition!.FileNameStar);
            Assert.DoesNotContain("\r", string.Join(",", document.Content.Headers.GetValues("Content-Disposition")));
        }
        Assert.Contains(Telegram.CallsTo("getFile"), c => c.Field("file_id") == "doc-dl-1" && c.AnsweredWith == 200);
        Assert.Contains("documents/file_18.pdf", Telegram.Downloads);
    }

    [Fact]
    public async Task A_viewer_may_download_and_an_outsider_or_nobody_may_not()
    {
        var (agent, projectId, bot) = await TelegramProject();
        var customer = TelegramCustomer.New("Vera");
        Telegram.AddFile(bot, "photo-dl-2", TestFiles.RedSquarePng, "photos/file_21.jpg");
        var ticketId = await TicketFrom(agent, projectId, bot, customer, Updates.Photo(customer, fileId: "photo-dl-2", fileSize: TestFiles.RedSquarePng.Length));
        var path = AttachmentPath(ticketId, (await MessagesWhen(agent, ticketId, 1))[0], 0);

        var viewerEmail = $"viewer-{Guid.NewGuid():N}@example.com";
        var viewer = await cluster.Api(1).LogInAs(viewerEmail);
        await agent.Post($"/v1/projects/{projectId}/members", new { email = viewerEmail, role = "viewer" });
        using (var allowed = await viewer.Send(HttpMethod.Get, path))
            Assert.Equal(TestFiles.RedSquarePng, await allowed.Content.ReadAsByteArrayAsync());

        var outsider = await cluster.Api().LogInAs();
        await outsider.CreateProject();
        using var refused = await outsider.Send(HttpMethod.Get, path);
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType!.MediaType);
        using var anonymous = await agent.WithToken(null).Send(HttpMethod.Get, path);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task Files_over_telegrams_20_MB_limit_unknown_files_and_upstream_failures_are_problems()
    {
        var (agent, projectId, bot) = await TelegramProject();
        var customer = TelegramCustomer.New("Gleb");
        // Known to be too big from the update itself: refused without asking Telegram.
        var ticketId = await TicketFrom(agent, projectId, bot, customer,
            Updates.Document(customer, "backup.zip", "application/zip", 25L * 1024 * 1024, fileId: "huge-known"));
        // Size unknown in the update; getFile says it is too big.
        Telegram.AddFile(bot, "huge-hidden", [1, 2, 3], "documents/file_30.mp4", declaredSize: 21L * 1024 * 1024);
        await Post(bot, Updates.Video(customer, fileId: "huge-hidden", fileSize: 0));
        Telegram.AddFile(bot, "flaky", [4, 5, 6], "documents/file_31.pdf");
        await Post(bot, Updates.Document(customer, "flaky.pdf", fileId: "flaky", fileSize: 3));
        var messages = await MessagesWhen(agent, ticketId, 3);

        var tooBig = await Problem(agent, AttachmentPath(ticketId, messages[0], 0), HttpStatusCode.UnprocessableEntity);
        Assert.Contains("20 MB", tooBig);
        Assert.Contains("25.0 MB", tooBig);
        Assert.DoesNotContain(Telegram.CallsTo("getFile"), c => c.Field("file_id") == "huge-known");
        Assert.Contains("20 MB", await Problem(agent, AttachmentPath(ticketId, messages[1], 0), HttpStatusCode.UnprocessableEntity));

        Telegram.FailNextCall("getFile", 1, TelegramFailure.InternalServerError());
        Assert.Contains("Telegram", await Problem(agent, AttachmentPath(ticketId, messages[2], 0), HttpStatusCode.BadGateway));
        using (var retried = await agent.Send(HttpMethod.Get, AttachmentPath(ticketId, messages[2], 0)))
            Assert.Equal([4, 5, 6], await retried.Content.ReadAsByteArrayAsync());

        await Problem(agent, AttachmentPath(ticketId, messages[2], 1), HttpStatusCode.NotFound);
        await Problem(agent, $"/v1/helpdesk/tickets/{ticketId}/messages/{Guid.NewGuid()}/attachments/0", HttpStatusCode.NotFound);
        await Problem(agent, $"/v1/helpdesk/tickets/{Guid.NewGuid()}/messages/{messages[2]}/attachments/0", HttpStatusCode.NotFound);

        // Only the bot the file came through can fetch it.
        await agent.Call(HttpMethod.Delete, $"/v1/projects/{projectId}/channels/telegram", null, HttpStatusCode.NoContent);
        Assert.Contains("no longer connected", await Problem(agent, AttachmentPath(ticketId, messages[2], 0), HttpStatusCode.Conflict));
    }

    [Fact]
    public async Task A_max_file_streams_from_max_and_an_address_off_max_is_never_fetched()
    {
        var agent = await cluster.Api().LogInAs();
        var projectId = await agent.CreateProject();
        var bot = Max.AddBot();
        await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/max", new { access_token = bot.Token }, HttpStatusCode.OK);
        var secret = Assert.Single(Max.SubscriptionsOf(bot)).Secret!;
        var customer = MaxCustomer.New("Inna");
        var bytes = TestFiles.RandomBytes(70_000);
        var name = $"contract-{Guid.NewGuid():N}.pdf";
        var url = Max.AddFile(name, bytes);
        // A loopback address that is not Max's (the Telegram fake stands in for an internal service).
        var foreign = $"{Telegram.BaseUrl.TrimEnd('/')}/file/internal/secret-{Guid.NewGuid():N}";

        await PostMax(bot, secret, MaxUpdates.Attachment(customer, "file", "tok-1", "Signed contract", fileName: "contract.pdf", size: bytes.Length, url: url));
        await Eventually(async () => (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets")).GetProperty("items").GetArrayLength() == 1);
        var ticketId = (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets")).GetProperty("items")[0].GetProperty("id").GetGuid();
        await PostMax(bot, secret, MaxUpdates.Attachment(customer, "file", "tok-2", fileName: "evil.pdf", size: 10, url: foreign));
        var messages = await MessagesWhen(agent, ticketId, 2);

        using (var file = await agent.Send(HttpMethod.Get, AttachmentPath(ticketId, messages[0], 0)))
        {
            Assert.Equal(HttpStatusCode.OK, file.StatusCode);
            Assert.Equal(bytes, await file.Content.ReadAsByteArrayAsync());
            Assert.Equal("application/pdf", file.Content.Headers.ContentType!.MediaType);
            Assert.Equal("contract.pdf", file.Content.Headers.ContentDisposition!.FileNameStar ?? file.Content.Headers.ContentDisposition.FileName);
        }
        Assert.Contains(name, Max.Downloads);

        Assert.Contains("file servers", await Problem(agent, AttachmentPath(ticketId, messages[1], 0), HttpStatusCode.NotFound));
        Assert.DoesNotContain(Telegram.Downloads, d => d.Contains("secret-"));
    }

    private async Task<(ApiClient Agent, Guid ProjectId, FakeBot Bot)> TelegramProject()
    {
        var agent = await cluster.Api().LogInAs();
        var projectId = await agent.CreateProject();
        var bot = Telegram.AddBot();
        await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/telegram", new { bot_token = bot.Token }, HttpStatusCode.OK);
        return (agent, projectId, bot);
    }

    /// <summary>The first message of a customer opens a ticket (the project has no types to pick from).</summary>
    private async Task<Guid> TicketFrom(ApiClient agent, Guid projectId, FakeBot bot, TelegramCustomer customer, string update)
    {
        await Post(bot, update);
        await Eventually(async () => (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets?customer_external_id={customer.Id}"))
            .GetProperty("items").GetArrayLength() == 1);
        return (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets?customer_external_id={customer.Id}")).GetProperty("items")[0]
            .GetProperty("id").GetGuid();
    }

    private static async Task<IReadOnlyList<Guid>> MessagesWhen(ApiClient agent, Guid ticketId, int count)
    {
        await Eventually(async () => (await agent.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages").GetArrayLength() == count);
        return (await agent.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages").EnumerateArray()
            .Select(m => m.GetProperty("id").GetGuid()).ToList();
    }

    private static string AttachmentPath(Guid ticketId, Guid messageId, int index) =>
        $"/v1/helpdesk/tickets/{ticketId}/messages/{messageId}/attachments/{index}";

    /// <summary>Asserts a problem answer with <paramref name="status"/>; returns its detail.</summary>
    private static async Task<string> Problem(ApiClient agent, string path, HttpStatusCode status)
    {
        var problem = await agent.Call(HttpMethod.Get, path, null, status);
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        return problem.GetProperty("detail").GetString()!;
    }

    private Task Post(FakeBot bot, string update) => Dashboard.SupportDesk.PostUpdate(cluster, bot, update);

    private Task PostMax(FakeMaxBot bot, string secret, string update) =>
        ChannelWebhook.Accepted(ChannelWebhook.Max(cluster.Silos[1], bot, update, secret));
}
