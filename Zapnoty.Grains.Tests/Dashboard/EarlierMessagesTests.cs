using Microsoft.Playwright;
using Zapnoty.Grains.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Zapnoty.Grains.Tests.Dashboard;

/// <summary>A long conversation opens with its latest messages; the agent loads older ones on demand (review finding 22).</summary>
[Collection(ClusterCollection.Name)]
public sealed class EarlierMessagesTests(ClusterFixture cluster, BrowserFixture browser)
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
}
