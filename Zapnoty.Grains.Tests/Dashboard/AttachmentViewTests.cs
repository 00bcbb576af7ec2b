using Microsoft.Playwright;
using Zapnoty.Grains.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;
using Updates = Zapnoty.Grains.Tests.Infrastructure.TelegramUpdateBuilder;

namespace Zapnoty.Grains.Tests.Dashboard;

/// <summary>Customers' files in the ticket view: fetched with the session, a photo shown in place, a document saved.</summary>
[Collection(ClusterCollection.Name)]
public sealed class AttachmentViewTests(ClusterFixture cluster, BrowserFixture browser)
{
    [Fact]
    public async Task An_agent_opens_a_customers_photo_in_the_ticket_and_saves_their_document()
    {
        var desk = await SupportDesk.Open(cluster);
        var customer = TelegramCustomer.New("Nina", "Orlova");
        var (bot, _, ticketId, _) = await desk.TelegramTicket(cluster, "The label on my parcel is torn", customer);
        cluster.Telegram.AddFile(bot, "view-photo", TestFiles.RedSquarePng, "photos/file_41.jpg");
        var receipt = TestFiles.RandomBytes(12_000);
        cluster.Telegram.AddFile(bot, "view-receipt", receipt, "documents/file_42.pdf");
        await SupportDesk.PostUpdate(cluster, bot, Updates.Photo(customer, "Here it is", fileId: "view-photo", fileSize: TestFiles.RedSquarePng.Length));
        await SupportDesk.PostUpdate(cluster, bot, Updates.Document(customer, "receipt.pdf", "application/pdf", receipt.Length, fileId: "view-receipt"));
        await Poll.Eventually(async () => (await desk.Owner.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages").GetArrayLength() == 3);

        await using var dashboard = await browser.NewPage(cluster.Silos[1].BaseAddress!);
        var page = dashboard.Page;
        await dashboard.OpenSupport(desk.Owner, desk.ProjectId, ticketId);
        var ticket = dashboard.TicketPane;

        var photoButton = ticket.Locator("button.attachment").Filter(new() { HasText = "Photo" });
        await Expect(photoButton).ToContainTextAsync("Show");
        await photoButton.ClickAsync();
        var preview = ticket.GetByRole(AriaRole.Img, new() { Name = "Photo from the customer" });
        await Expect(preview).ToBeVisibleAsync();
        await Expect(preview).ToHaveAttributeAsync("src", new System.Text.RegularExpressions.Regex("^blob:"));
        // Decoded: the browser got the real image through the API, not a broken link.
        Assert.Equal(8, await preview.EvaluateAsync<int>("img => img.complete ? img.naturalWidth : -1"));
        await Expect(photoButton).ToContainTextAsync("Hide");

        var download = await page.RunAndWaitForDownloadAsync(() =>
            ticket.Locator("button.attachment").Filter(new() { HasText = "receipt.pdf" }).ClickAsync());
        Assert.Equal("receipt.pdf", download.SuggestedFilename);
        var saved = Path.Combine(Path.GetTempPath(), $"zapnoty-{Guid.NewGuid():N}.pdf");
        await download.SaveAsAsync(saved);
        Assert.Equal(receipt, await File.ReadAllBytesAsync(saved));
        File.Delete(saved);

        await dashboard.Screenshot("ticket-attachments");
        Assert.Empty(dashboard.ScriptErrors);
    }
}
