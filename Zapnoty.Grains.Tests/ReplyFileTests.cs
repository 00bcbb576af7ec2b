using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Zapnoty.Grains.Tests.Infrastructure;
using static Zapnoty.Grains.Tests.Infrastructure.Poll;
using MaxUpdates = Zapnoty.Grains.Tests.Infrastructure.MaxUpdateBuilder;
using Updates = Zapnoty.Grains.Tests.Infrastructure.TelegramUpdateBuilder;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// Agents send files to customers: a multipart reply stores the files in PostgreSQL, the
/// customer gets a photo or a document with the text as its caption (Telegram) or through Max's
/// upload flow, and the team downloads the files back from the conversation.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ReplyFileTests(ClusterFixture cluster)
{
    private FakeTelegramServer Telegram => cluster.Telegram;
    private FakeMaxServer Max => cluster.Max;

    [Fact]
    public async Task A_photo_goes_by_sendPhoto_with_the_text_as_caption_and_a_pdf_by_sendDocument()
    {
        var (agent, _, _, customer, ticketId) = await TelegramTicket();
        var pdf = "%PDF-1.4\n"u8.ToArray().Concat(TestFiles.RandomBytes(200_000)).ToArray();

        using var response = await ReplyWithFiles(agent, ticketId, "Here is the invoice and the screen",
            ("screen.png", "image/png", TestFiles.RedSquarePng), ("invoice.pdf", "application/pdf", pdf));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var message = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var attachments = message.GetProperty("attachments");
        Assert.Equal(["photo", "document"], attachments.EnumerateArray().Select(a => a.GetProperty("kind").GetString()));
        Assert.Equal(["screen.png", "invoice.pdf"], attachments.EnumerateArray().Select(a => a.GetProperty("file_name").GetString()));
        Assert.Equal(["image/png", "application/pdf"], attachments.EnumerateArray().Select(a => a.GetProperty("mime_type").GetString()));

        var files = await Telegram.WaitForFiles(f => f.Count(x => x.ChatId == customer.ChatId) == 2);
        var sent = files.Where(f => f.ChatId == customer.ChatId).ToList();
        Assert.Equal(("sendPhoto", "Here is the invoice and the screen"), (sent[0].Method, sent[0].Caption));
        Assert.Equal(TestFiles.RedSquarePng, sent[0].Content);
        Assert.Equal(("sendDocument", null, "invoice.pdf"), (sent[1].Method, sent[1].Caption, sent[1].FileName));
        Assert.Equal(pdf, sent[1].Content);
        // The text went as the caption, not as a message of its own.
        Assert.DoesNotContain(Telegram.Sent(customer.ChatId), m => m.Text == "Here is the invoice and the screen");
        await Eventually(async () => (await LastMessage(agent, ticketId)).GetProperty("delivery").GetString() == "delivered");
    }

    [Fact]
    public async Task A_reply_whose_second_file_fails_shows_which_and_retrying_it_never_sends_the_first_again()
    {
        var (agent, _, _, customer, ticketId) = await TelegramTicket();
        // The document fails once (retried), then for good.
        Telegram.FailNextCall("sendDocument", 1, TelegramFailure.InternalServerError());
        Telegram.FailNextCall("sendDocument", 1, new TelegramFailure(400, "Bad Request: file is too big"));
        var pdf = "%PDF-1.4\n"u8.ToArray().Concat(TestFiles.RandomBytes(5_000)).ToArray();

        using var response = await ReplyWithFiles(agent, ticketId, "The screen and the invoice",
            ("screen.png", "image/png", TestFiles.RedSquarePng), ("invoice.pdf", "application/pdf", pdf));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(["pending", "pending"], created.GetProperty("attachments").EnumerateArray().Select(a => a.GetProperty("delivery").GetString()));

        await Eventually(async () => (await LastMessage(agent, ticketId)).GetProperty("delivery").GetString() == "failed");
        var files = (await LastMessage(agent, ticketId)).GetProperty("attachments").EnumerateArray().ToList();
        Assert.Equal(["delivered", "failed"], files.Select(a => a.GetProperty("delivery").GetString()));
        Assert.False(files[0].TryGetProperty("delivery_error", out var none) && none.ValueKind != JsonValueKind.Null);
        Assert.Contains("file is too big", files[1].GetProperty("delivery_error").GetString());
        // The photo went once; only the document was tried again.
        Assert.Single(Telegram.CallsTo("sendPhoto"), c => c.ChatId == customer.ChatId);
        Assert.Equal(2, Telegram.CallsTo("sendDocument").Count(c => c.ChatId == customer.ChatId));
        // Read back from the database (a new activation), the files keep their own states.
        await using (var command = cluster.Database.CreateCommand("SELECT count(*) FROM ticket_messages WHERE ticket_id = $1 AND file_deliveries IS NOT NULL"))
        {
            command.Parameters.Add(new() { Value = ticketId });
            Assert.Equal(1L, await command.ExecuteScalarAsync());
        }
        // A customer's file has no delivery of its own.
        Assert.False((await agent.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages")[0].TryGetProperty("attachments", out var customerFiles)
            && customerFiles.EnumerateArray().Any(a => a.TryGetProperty("delivery", out _)));
    }

    [Fact]
    public async Task A_text_too_long_for_a_caption_goes_first_as_a_message_then_the_file_without_one()
    {
        var (agent, _, _, customer, ticketId) = await TelegramTicket();
        var text = new string('a', 1500);
        using var response = await ReplyWithFiles(agent, ticketId, text, ("notes.txt", "text/plain", "hello"u8.ToArray()));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);

        await Telegram.WaitForSent(s => s.Any(m => m.ChatId == customer.ChatId && m.Text == text));
        var file = (await Telegram.WaitForFiles(f => f.Any(x => x.ChatId == customer.ChatId))).Single(f => f.ChatId == customer.ChatId);
        Assert.Equal(("sendDocument", null, "notes.txt"), (file.Method, file.Caption, file.FileName));
        await Eventually(async () => (await LastMessage(agent, ticketId)).GetProperty("delivery").GetString() == "delivered");
    }

    [Fact]
    public async Task A_file_alone_needs_no_text_and_downloads_back_with_its_bytes_name_and_type_from_another_silo()
    {
        var (agent, _, _, customer, ticketId) = await TelegramTicket();
        var bytes = TestFiles.RandomBytes(2_500_000);
        using var response = await ReplyWithFiles(agent, ticketId, null, ("report.bin", "application/octet-stream", bytes));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var message = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("", message.GetProperty("text").GetString());
        await Telegram.WaitForFiles(f => f.Any(x => x.ChatId == customer.ChatId && x.Content.SequenceEqual(bytes)));

        // Stored in the database (three 1 MB chunks), not on a silo's disk: the other silo serves it.
        var path = $"/v1/helpdesk/tickets/{ticketId}/messages/{message.GetProperty("id").GetGuid()}/attachments/0";
        using var download = await cluster.Api(1).WithToken(agent.Token).Send(HttpMethod.Get, path);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(bytes, await download.Content.ReadAsByteArrayAsync());
        Assert.Equal("report.bin", download.Content.Headers.ContentDisposition!.FileNameStar ?? download.Content.Headers.ContentDisposition.FileName);
        Assert.Equal("nosniff", download.Headers.GetValues("X-Content-Type-Options").Single());
        await using var chunks = cluster.Database.CreateCommand(
            "SELECT count(*) FROM stored_file_chunks c JOIN stored_files f ON f.id = c.file_id WHERE f.message_id = $1");
        chunks.Parameters.Add(new() { Value = message.GetProperty("id").GetGuid() });
        Assert.Equal(3L, await chunks.ExecuteScalarAsync());
    }

    [Fact]
    public async Task The_file_name_loses_control_characters_and_path_separators()
    {
        var (agent, _, _, customer, ticketId) = await TelegramTicket();
        using (var plain = await ReplyWithFiles(agent, ticketId, "see", ("..\\..\\windows\\win.ini", "text/plain", "x"u8.ToArray())))
            Assert.Equal("win.ini", JsonDocument.Parse(await plain.Content.ReadAsStringAsync()).RootElement.GetProperty("attachments")[0].GetProperty("file_name").GetString());
        using var response = await ReplyWithFiles(agent, ticketId, "see", ("../../etc/pass\r\nwd\u202Egpj.exe", "application/octet-stream", "x"u8.ToArray()));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var name = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("attachments")[0].GetProperty("file_name").GetString();
        Assert.Equal("passwdgpj.exe", name);
        var sent = await Telegram.WaitForFiles(f => f.Count(x => x.ChatId == customer.ChatId) == 2);
        Assert.Equal(["win.ini", "passwdgpj.exe"], sent.Where(f => f.ChatId == customer.ChatId).Select(f => f.FileName));
    }

    [Fact]
    public async Task A_disguised_html_file_is_kept_as_binary_and_a_fake_png_is_sent_as_a_document()
    {
        var (agent, _, _, customer, ticketId) = await TelegramTicket();
        using var response = await ReplyWithFiles(agent, ticketId, "two files",
            ("page.html", "text/html", "<script>alert(1)</script>"u8.ToArray()), ("fake.png", "image/png", "not an image"u8.ToArray()));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var attachments = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("attachments");
        Assert.Equal(["application/octet-stream", "application/octet-stream"], attachments.EnumerateArray().Select(a => a.GetProperty("mime_type").GetString()));
        var sent = await Telegram.WaitForFiles(f => f.Count(x => x.ChatId == customer.ChatId) == 2);
        Assert.All(sent.Where(f => f.ChatId == customer.ChatId), f => Assert.Equal("sendDocument", f.Method));
    }

    [Fact]
    public async Task Eleven_files_an_empty_file_or_an_unknown_field_answer_422_and_store_nothing()
    {
        var (agent, projectId, _, customer, ticketId) = await TelegramTicket();
        var eleven = Enumerable.Range(1, 11).Select(i => ($"f{i}.txt", "text/plain", new byte[] { (byte)'a' })).ToArray();
        await AssertProblem(await ReplyWithFiles(agent, ticketId, "too many", eleven), 422, "at most 10 files");
        await AssertProblem(await ReplyWithFiles(agent, ticketId, "empty", ("a.txt", "text/plain", "a"u8.ToArray()), ("empty.txt", "text/plain", [])), 422, "empty");
        using (var unknown = new MultipartFormDataContent { { new StringContent("x"), "subject" }, { new ByteArrayContent("a"u8.ToArray()), "files", "a.txt" } })
        using (var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/helpdesk/tickets/{ticketId}/replies") { Content = unknown })
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", agent.Token);
            await AssertProblem(await agent.Http.SendAsync(request), 422, "Unknown form field");
        }

        Assert.Equal(0L, await StoredFiles(projectId));
        Assert.Single((await agent.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages").EnumerateArray());
        await Task.Delay(300);
        Assert.Empty(Telegram.SentFiles(customer.ChatId));
    }

    [Fact]
    public async Task A_file_over_50_MB_answers_413_and_is_not_kept()
    {
        var (agent, projectId, _, customer, ticketId) = await TelegramTicket();
        using var response = await ReplyWithFiles(agent, ticketId, "big", ("big.zip", "application/zip", new byte[50 * 1024 * 1024 + 1]));
        await AssertProblem(response, 413, "50 MB");
        Assert.Equal(0L, await StoredFiles(projectId));
        Assert.Empty(Telegram.SentFiles(customer.ChatId));
    }

    [Fact]
    public async Task A_request_declaring_more_than_the_total_limit_answers_413_before_its_body_is_sent()
    {
        var (agent, projectId, _, _, ticketId) = await TelegramTicket();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/helpdesk/tickets/{ticketId}/replies");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", agent.Token);
        // The client waits for 100 Continue before sending the body; the server answers 413 instead.
        request.Headers.ExpectContinue = true;
        var body = new NeverSentContent(101L * 1024 * 1024);
        body.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=xyz");
        request.Content = body;
        using var response = await cluster.Silos[0].SendAsync(request);
        await AssertProblem(response, 413, "100 MB");
        Assert.False(body.Started);
        Assert.Equal(0L, await StoredFiles(projectId));
    }

    [Fact]
    public async Task Without_credits_a_reply_with_files_answers_402_and_keeps_and_sends_nothing()
    {
        var (agent, projectId, _, customer, ticketId) = await TelegramTicket();
        await agent.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = "first" });
        await using (var drain = cluster.Database.CreateCommand("UPDATE credit_balances SET free_left = 0, purchased = 0 WHERE project_id = $1"))
        {
            drain.Parameters.Add(new() { Value = projectId });
            Assert.Equal(1, await drain.ExecuteNonQueryAsync());
        }
        await AssertProblem(await ReplyWithFiles(agent, ticketId, "file", ("a.png", "image/png", TestFiles.RedSquarePng)), 402, null);
        Assert.Equal(0L, await StoredFiles(projectId));
        await Task.Delay(500);
        Assert.Empty(Telegram.SentFiles(customer.ChatId));
    }

    [Fact]
    public async Task A_member_of_another_project_cannot_download_an_agents_file_and_a_viewer_can()
    {
        var (agent, projectId, _, _, ticketId) = await TelegramTicket();
        using var response = await ReplyWithFiles(agent, ticketId, "secret", ("secret.txt", "text/plain", "s3cr3t"u8.ToArray()));
        var messageId = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        var path = $"/v1/helpdesk/tickets/{ticketId}/messages/{messageId}/attachments/0";

        var outsider = await cluster.Api().LogInAs();
        await outsider.CreateProject();
        using (var refused = await outsider.Send(HttpMethod.Get, path))
            Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        using (var anonymous = await agent.WithToken(null).Send(HttpMethod.Get, path))
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        var viewerEmail = $"viewer-{Guid.NewGuid():N}@example.com";
        var viewer = await cluster.Api(1).LogInAs(viewerEmail);
        await agent.Post($"/v1/projects/{projectId}/members", new { email = viewerEmail, role = "viewer" });
        using (var allowed = await viewer.Send(HttpMethod.Get, path))
            Assert.Equal("s3cr3t"u8.ToArray(), await allowed.Content.ReadAsByteArrayAsync());
        // A viewer may look, not send.
        await AssertProblem(await ReplyWithFiles(viewer, ticketId, "no", ("a.txt", "text/plain", "a"u8.ToArray())), 403, null);
    }

    [Fact]
    public async Task Max_gets_the_file_through_its_upload_flow_then_a_message_with_the_attachment()
    {
        var agent = await cluster.Api().LogInAs();
        var projectId = await agent.CreateProject();
        var bot = Max.AddBot();
        await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/max", new { access_token = bot.Token }, HttpStatusCode.OK);
        var secret = Max.SubscriptionsOf(bot).Single().Secret!;
        var customer = MaxCustomer.New("Igor");
        var userId = customer.UserId;
        await ChannelWebhook.Accepted(ChannelWebhook.Max(cluster.Silos[1], bot, MaxUpdates.Text(customer, "Hello, I need help"), secret));
        await Eventually(async () => (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets")).GetProperty("items").GetArrayLength() == 1);
        var ticketId = (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets")).GetProperty("items")[0].GetProperty("id").GetGuid();

        using var response = await ReplyWithFiles(agent, ticketId, "The photo and the contract",
            ("photo.jpg", "image/jpeg", Jpeg), ("contract.pdf", "application/pdf", "%PDF-1.7 contract"u8.ToArray()));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);

        var sent = await Max.WaitForSent(s => s.Count(m => m.UserId == userId && m.Files is { Count: > 0 }) == 2);
        var withFiles = sent.Where(m => m.UserId == userId && m.Files is { Count: > 0 }).ToList();
        Assert.Equal(("The photo and the contract", "image"), (withFiles[0].Text, withFiles[0].Files![0].Type));
        Assert.Equal(Jpeg, withFiles[0].Files![0].Content);
        Assert.Equal(("", "file", "contract.pdf"), (withFiles[1].Text, withFiles[1].Files![0].Type, withFiles[1].Files![0].FileName));
        Assert.Equal(2, Max.CallsTo("POST", "/uploads").Count(c => c.Token == bot.Token));
        await Eventually(async () => (await LastMessage(agent, ticketId)).GetProperty("delivery").GetString() == "delivered");
    }

    [Fact]
    public async Task A_reply_with_files_repeated_with_its_key_and_a_new_boundary_is_stored_once_costs_one_credit_and_sends_its_files_once()
    {
        var (agent, projectId, _, customer, ticketId) = await TelegramTicket();
        var creditsBefore = await FreeCredits(agent, projectId);
        var key = Guid.NewGuid().ToString();
        var pdf = "%PDF-1.4 invoice"u8.ToArray();

        using var first = await ReplyForm(agent, ticketId, "The invoice", [("invoice.pdf", "application/pdf", pdf)], key, boundary: "first-boundary");
        // A client's retry builds the form again, with a boundary of its own.
        using var repeat = await ReplyForm(agent, ticketId, "The invoice", [("invoice.pdf", "application/pdf", pdf)], key, boundary: "another-boundary");

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (first.StatusCode, repeat.StatusCode));
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal("true", repeat.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(await MessageId(first), await MessageId(repeat));
        var messages = (await agent.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages").EnumerateArray();
        Assert.Single(messages, m => m.GetProperty("text").GetString() == "The invoice");
        Assert.Equal(creditsBefore - 1, await FreeCredits(agent, projectId));
        Assert.Equal(1L, await StoredFiles(projectId));
        await Telegram.WaitForFiles(f => f.Any(x => x.ChatId == customer.ChatId));
        await Task.Delay(500);
        Assert.Single(Telegram.SentFiles(customer.ChatId));
    }

    [Fact]
    public async Task A_reply_key_sent_again_with_another_file_answers_422_and_the_new_file_is_not_kept()
    {
        var (agent, projectId, _, customer, ticketId) = await TelegramTicket();
        var key = Guid.NewGuid().ToString();
        using var first = await ReplyForm(agent, ticketId, "The invoice", [("invoice.pdf", "application/pdf", "%PDF-1.4 invoice"u8.ToArray())], key);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);

        await AssertProblem(await ReplyForm(agent, ticketId, "The invoice", [("invoice.pdf", "application/pdf", "%PDF-1.4 corrected"u8.ToArray())], key),
            422, "Idempotency-Key");

        Assert.Equal(1L, await StoredFiles(projectId));
        Assert.Equal(1L, await Scalar("SELECT count(*) FROM stored_file_chunks c JOIN stored_files f ON f.id = c.file_id WHERE f.project_id = $1", projectId));
        Assert.Equal(0L, await Scalar("SELECT count(*) FROM stored_file_chunks c WHERE NOT EXISTS (SELECT 1 FROM stored_files f WHERE f.id = c.file_id)"));
        Assert.Single((await agent.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages").EnumerateArray(), m => m.GetProperty("text").GetString() == "The invoice");
        await Task.Delay(500);
        Assert.Single(Telegram.SentFiles(customer.ChatId));
    }

    [Fact]
    public async Task A_reply_with_files_written_before_a_newer_message_answers_409_with_the_newer_messages_and_keeps_no_file()
    {
        var (agent, projectId, _, customer, ticketId) = await TelegramTicket();
        var seen = (await LastMessage(agent, ticketId)).GetProperty("id").GetString()!;
        var newer = (await agent.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = "A colleague answered first" })).GetProperty("id").GetString();

        using var stale = await ReplyForm(agent, ticketId, "The invoice", [("invoice.pdf", "application/pdf", "%PDF-1.4"u8.ToArray())], expectedLastMessageId: seen);
        var problem = JsonDocument.Parse(await stale.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Equal([newer], problem.GetProperty("newer_messages").EnumerateArray().Select(m => m.GetProperty("id").GetString()));
        Assert.Equal(0L, await StoredFiles(projectId));

        // Written after seeing the newer message, the same reply goes.
        using var current = await ReplyForm(agent, ticketId, "The invoice", [("invoice.pdf", "application/pdf", "%PDF-1.4"u8.ToArray())], expectedLastMessageId: newer);
        Assert.Equal(HttpStatusCode.Created, current.StatusCode);
        await Telegram.WaitForFiles(f => f.Any(x => x.ChatId == customer.ChatId));
        Assert.Single(Telegram.SentFiles(customer.ChatId));
    }

    [Fact]
    public async Task An_expected_last_message_id_that_is_no_uuid_answers_400_and_keeps_no_file()
    {
        var (agent, projectId, _, customer, ticketId) = await TelegramTicket();
        using var refused = await ReplyForm(agent, ticketId, "The invoice", [("invoice.pdf", "application/pdf", "%PDF-1.4"u8.ToArray())],
            expectedLastMessageId: "the-latest-one");
        var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.True(problem.GetProperty("errors").TryGetProperty("expected_last_message_id", out _), problem.ToString());
        Assert.Equal(0L, await StoredFiles(projectId));
        await Task.Delay(300);
        Assert.Empty(Telegram.SentFiles(customer.ChatId));
    }

    private static readonly byte[] Jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xFF, 0xD9];

    private async Task<(ApiClient Agent, Guid ProjectId, FakeBot Bot, TelegramCustomer Customer, Guid TicketId)> TelegramTicket()
    {
        var agent = await cluster.Api().LogInAs();
        var projectId = await agent.CreateProject();
        var bot = Telegram.AddBot();
        await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/telegram", new { bot_token = bot.Token }, HttpStatusCode.OK);
        var customer = TelegramCustomer.New("Olga");
        await Dashboard.SupportDesk.PostUpdate(cluster, bot, Updates.Text(customer, "Please send me the invoice"));
        await Eventually(async () => (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets?customer_external_id={customer.Id}"))
            .GetProperty("items").GetArrayLength() == 1);
        var ticketId = (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets?customer_external_id={customer.Id}")).GetProperty("items")[0]
            .GetProperty("id").GetGuid();
        return (agent, projectId, bot, customer, ticketId);
    }

    /// <summary>A multipart reply as a browser's FormData sends it: <c>text</c>, then each file as <c>files</c>.</summary>
    public static Task<HttpResponseMessage> ReplyWithFiles(ApiClient agent, Guid ticketId, string? text,
        params (string Name, string ContentType, byte[] Content)[] files) => ReplyForm(agent, ticketId, text, files);

    /// <summary>The form with <c>expected_last_message_id</c> last, an <c>Idempotency-Key</c> and a boundary when given.</summary>
    private static async Task<HttpResponseMessage> ReplyForm(ApiClient agent, Guid ticketId, string? text,
        (string Name, string ContentType, byte[] Content)[] files, string? key = null, string? boundary = null, string? expectedLastMessageId = null)
    {
        using var form = boundary is null ? new MultipartFormDataContent() : new MultipartFormDataContent(boundary);
        if (text is not null) form.Add(new StringContent(text), "text");
        foreach (var (name, contentType, content) in files)
        {
            var part = new ByteArrayContent(content);
            part.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            // Raw, as a browser writes a plain name; a name with control or non-ASCII characters as RFC 5987 filename*, as HTTP clients do.
            part.Headers.TryAddWithoutValidation("Content-Disposition", name.All(c => c is >= ' ' and <= '~')
                ? $"form-data; name=\"files\"; filename=\"{name}\""
                : $"form-data; name=\"files\"; filename=\"file\"; filename*=UTF-8''{Uri.EscapeDataString(name)}");
            form.Add(part);
        }
        if (expectedLastMessageId is not null) form.Add(new StringContent(expectedLastMessageId), "expected_last_message_id");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/helpdesk/tickets/{ticketId}/replies") { Content = form };
        if (agent.Token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", agent.Token);
        if (key is not null) request.Headers.Add("Idempotency-Key", key);
        var response = await agent.Http.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    private static async Task<Guid> MessageId(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();

    private static async Task<int> FreeCredits(ApiClient owner, Guid projectId) =>
        (await owner.Get($"/v1/projects/{projectId}/billing")).GetProperty("free_credits_left").GetInt32();

    private static async Task AssertProblem(HttpResponseMessage response, int status, string? detailContains)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {text}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
            if (detailContains is not null) Assert.Contains(detailContains, JsonDocument.Parse(text).RootElement.GetProperty("detail").GetString());
        }
    }

    private Task<long> StoredFiles(Guid projectId) => Scalar("SELECT count(*) FROM stored_files WHERE project_id = $1", projectId);

    private async Task<long> Scalar(string sql, params object[] values)
    {
        await using var command = cluster.Database.CreateCommand(sql);
        foreach (var value in values) command.Parameters.Add(new() { Value = value });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<JsonElement> LastMessage(ApiClient agent, Guid ticketId) =>
        (await agent.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages").EnumerateArray().Last();

    /// <summary>A body that declares its length but is never asked for (the server refuses first).</summary>
    private sealed class NeverSentContent(long length) : HttpContent
    {
        public bool Started { get; private set; }

        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            Started = true;
            return stream.WriteAsync(new byte[1024]).AsTask();
        }

        protected override bool TryComputeLength(out long length1)
        {
            length1 = length;
            return true;
        }
    }
}
