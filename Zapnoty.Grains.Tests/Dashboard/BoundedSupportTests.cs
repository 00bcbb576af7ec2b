using Microsoft.Playwright;
using Zapnoty.Grains.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Zapnoty.Grains.Tests.Dashboard;

/// <summary>
/// The Support tab under the limits that keep one ticket or one search from growing without
/// bound: a long conversation opens with its latest messages and loads older ones on demand
/// (review finding 22); a search waits for text the API can search (finding 11).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class BoundedSupportTests(ClusterFixture cluster, BrowserFixture browser)
{
    [Fact]
    public async Task A_long_conversation_shows_its_latest_50_messages_and_earlier_ones_on_request()
    {
        var desk = await SupportDesk.Open(cluster);
        var (ticketId, _) = await desk.ApiTicket("Message 0");
        for (var i = 1; i < 60; i++)
            await desk.Owner.Post($"/v1/helpdesk/tickets/{ticketId}/customer-reply", new { text = $"Message {i}" });

        await using var dashboard = await browser.NewPage(cluster.Silos[0].BaseAddress!);
        await dashboard.OpenSupport(desk.Owner, desk.ProjectId, ticketId);
        var texts = dashboard.TicketPane.Locator(".conversation .message-text");
        await Expect(texts).ToHaveCountAsync(50);
        await Expect(texts.First).ToHaveTextAsync("Message 10");
        await Expect(texts.Last).ToHaveTextAsync("Message 59");

        await dashboard.TicketPane.GetByRole(AriaRole.Button, new() { Name = "Show earlier messages" }).ClickAsync();
        await Expect(texts).ToHaveCountAsync(60);
        await Expect(texts).ToHaveTextAsync(Enumerable.Range(0, 60).Select(i => $"Message {i}").ToArray());
        await Expect(dashboard.TicketPane.GetByRole(AriaRole.Button, new() { Name = "Show earlier messages" })).ToHaveCountAsync(0);

        // New messages keep arriving below while the earlier ones stay.
        await desk.Owner.Post($"/v1/helpdesk/tickets/{ticketId}/customer-reply", new { text = "Message 60" });
        await Expect(texts).ToHaveCountAsync(61, new() { Timeout = 15_000 });
        await Expect(texts.Last).ToHaveTextAsync("Message 60");
        Assert.Empty(dashboard.ScriptErrors);
    }

    [Fact]
    public async Task A_search_of_one_or_two_letters_waits_for_more_while_a_ticket_number_searches_at_once()
    {
        var desk = await SupportDesk.Open(cluster);
        var (_, first) = await desk.ApiTicket("Parcel lost");
        await desk.ApiTicket("Cannot log in");

        await using var dashboard = await browser.NewPage(cluster.Silos[0].BaseAddress!);
        var page = dashboard.Page;
        await dashboard.OpenSupport(desk.Owner, desk.ProjectId);
        await Expect(page.Locator("tr.ticket-row")).ToHaveCountAsync(2);

        await page.GetByLabel("Search").FillAsync("pa");
        await page.GetByLabel("Search").PressAsync("Enter");
        await Expect(page.GetByText("Type at least 3 characters, or a ticket number such as #12.")).ToBeVisibleAsync();
        await Expect(page.Locator("tr.ticket-row")).ToHaveCountAsync(2);
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveCountAsync(0);

        await page.GetByLabel("Search").FillAsync("par");
        await Expect(page.Locator("tr.ticket-row")).ToHaveCountAsync(1);
        await page.GetByLabel("Search").FillAsync($"#{first}");
        await Expect(dashboard.TicketRow(first)).ToBeVisibleAsync();
        await Expect(page.Locator("tr.ticket-row")).ToHaveCountAsync(1);
        Assert.Empty(dashboard.ScriptErrors);
    }
}
