using Microsoft.Playwright;
using Zapnoty.Grains.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Zapnoty.Grains.Tests.Dashboard;

/// <summary>An agent attaches files to a reply (picked, pasted, dropped), sees the ones that cannot go refused before upload, and the sent files in the conversation.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ReplyAttachmentTests(ClusterFixture cluster, BrowserFixture browser)
{
    [Fact]
    public async Task An_agent_picks_pastes_and_drops_files_onto_the_reply_and_the_customer_gets_them()
    {
        var desk = await SupportDesk.Open(cluster, "Acme Store", $"sam.{Guid.NewGuid().ToString()[..4]}@acme.example", "Sam Lead");
        var customer = TelegramCustomer.New("Lena", "Sokolova", "lena_s");
        var (_, _, ticketId, _) = await desk.TelegramTicket(cluster, "Can you send me the contract?", customer);

        await using var dashboard = await browser.NewPage(cluster.Silos[0].BaseAddress!);
        await dashboard.OpenSupport(desk.Owner, desk.ProjectId, ticketId);
        var reply = dashboard.Page.GetByRole(AriaRole.Form, new() { Name = "Reply" });
        var screen = await SamplePicture.TrackingPage(browser, cluster.Silos[0].BaseAddress!);

        // Picked with the file dialog.
        var contract = "%PDF-1.7 the contract"u8.ToArray();
        await reply.GetByLabel("Attach files").SetInputFilesAsync(new FilePayload { Name = "contract.pdf", MimeType = "application/pdf", Buffer = contract });
        // A screenshot pasted from the clipboard, and a file too big for a bot dropped on the box.
        await dashboard.Page.EvaluateAsync("""
            png => {
              const data = new DataTransfer();
              data.items.add(new File([new Uint8Array(png)], 'image.png', { type: 'image/png' }));
              document.getElementById('reply-text').dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
              const drop = new DataTransfer();
              drop.items.add(new File([new Uint8Array(51 * 1024 * 1024)], 'huge.zip', { type: 'application/zip' }));
              document.querySelector('form.reply-box').dispatchEvent(new DragEvent('drop', { dataTransfer: drop, bubbles: true, cancelable: true }));
            }
            """, screen.Select(b => (int)b).ToArray());

        var chips = reply.GetByRole(AriaRole.List, new() { Name = "Files to send" });
        await Expect(chips.GetByRole(AriaRole.Listitem)).ToHaveCountAsync(2);
        await Expect(chips).ToContainTextAsync("contract.pdf");
        await Expect(chips).ToContainTextAsync("screenshot-");
        await Expect(reply.GetByRole(AriaRole.Alert)).ToContainTextAsync("huge.zip is 51.0 MB");

        await reply.GetByLabel("Reply to the customer").FillAsync("The contract and the screen, as promised");
        await dashboard.Screenshot("reply-attachment-draft");
        await reply.GetByRole(AriaRole.Button, new() { Name = "Send reply" }).ClickAsync();

        var sent = await cluster.Telegram.WaitForFiles(f => f.Count(x => x.ChatId == customer.ChatId) == 2);
        var files = sent.Where(f => f.ChatId == customer.ChatId).ToList();
        Assert.Equal(("sendDocument", "contract.pdf", "The contract and the screen, as promised"), (files[0].Method, files[0].FileName, files[0].Caption));
        Assert.Equal(contract, files[0].Content);
        Assert.Equal("sendPhoto", files[1].Method);
        Assert.Equal(screen, files[1].Content);

        // The reply shows its files in the conversation, and the box is empty again.
        var ticket = dashboard.TicketPane;
        await Expect(ticket.Locator("button.attachment").Filter(new() { HasText = "contract.pdf" })).ToBeVisibleAsync();
        var photo = ticket.Locator("button.attachment").Filter(new() { HasText = "screenshot-" });
        await photo.ClickAsync();
        await Expect(ticket.Locator("img.attachment-preview")).ToBeVisibleAsync();
        await Expect(chips).ToHaveCountAsync(0);
        await Expect(ticket.Locator("li.message-agent [data-delivery='delivered']")).ToBeVisibleAsync();
        await dashboard.Screenshot("reply-attachment");
        Assert.Empty(dashboard.ScriptErrors);
    }

    [Fact]
    public async Task A_file_of_a_reply_that_did_not_reach_the_customer_is_marked_while_the_others_show_as_sent()
    {
        var desk = await SupportDesk.Open(cluster, "Acme Store", $"sam.{Guid.NewGuid().ToString()[..4]}@acme.example", "Sam Lead");
        var customer = TelegramCustomer.New("Lena", "Sokolova", "lena_s");
        var (_, _, ticketId, _) = await desk.TelegramTicket(cluster, "Can you send me the contract?", customer);
        cluster.Telegram.FailNextCall("sendDocument", 1, new TelegramFailure(400, "Bad Request: file is too big"));
        using (var sent = await ReplyFileTests.ReplyWithFiles(desk.Owner, ticketId, "The screen and the contract",
                   ("screen.png", "image/png", TestFiles.RedSquarePng), ("contract.pdf", "application/pdf", "%PDF-1.7 the contract"u8.ToArray())))
            Assert.Equal(System.Net.HttpStatusCode.Created, sent.StatusCode);
        await Poll.Eventually(async () => (await desk.Owner.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages").EnumerateArray().Last()
            .GetProperty("delivery").GetString() == "failed");

        await using var dashboard = await browser.NewPage(cluster.Silos[1].BaseAddress!);
        await dashboard.OpenSupport(desk.Owner, desk.ProjectId, ticketId);
        var reply = dashboard.TicketPane.Locator("li.message-agent");
        await Expect(reply.Locator(".attachment-file")).ToHaveCountAsync(2);
        await Expect(reply.Locator(".attachment-file").Nth(0).Locator("[data-file-delivery]")).ToHaveCountAsync(0);
        await Expect(reply.Locator(".attachment-file").Nth(1).Locator("[data-file-delivery='failed']"))
            .ToHaveTextAsync("Not delivered: Bad Request: file is too big");
        Assert.Empty(dashboard.ScriptErrors);
    }
}
