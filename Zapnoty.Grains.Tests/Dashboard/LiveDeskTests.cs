using Microsoft.Playwright;
using Zapnoty.Grains.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;
using Updates = Zapnoty.Grains.Tests.Infrastructure.TelegramUpdateBuilder;

namespace Zapnoty.Grains.Tests.Dashboard;

/// <summary>The Support tab kept current by the event stream: no reload, no polling, a colleague's presence, the stale reply guard.</summary>
[Collection(ClusterCollection.Name)]
public sealed class LiveDeskTests(ClusterFixture cluster, BrowserFixture browser)
{
    [Fact]
    public async Task A_new_customer_message_and_a_colleague_typing_appear_without_reload_and_a_stale_reply_asks_for_review()
    {
        var desk = await SupportDesk.Open(cluster, "Acme Store", $"sam.{Guid.NewGuid().ToString()[..4]}@acme.example", "Sam Lead");
        var anna = TelegramCustomer.New("Anna", "Petrova", "anna_p");
        var (bot, _, ticketId, number) = await desk.TelegramTicket(cluster, "My parcel has not arrived", anna);
        var colleague = await desk.Teammate(cluster, "Boris Orlov");
        var lead = await desk.Teammate(cluster, "Anna Kim", "admin");

        // The dashboard on silo B; the customer's messages come in through silo A.
        await using var dashboard = await browser.NewPage(cluster.Silos[1].BaseAddress!);
        var page = dashboard.Page;
        await dashboard.OpenSupport(desk.Owner, desk.ProjectId, ticketId);
        await Expect(dashboard.ListPane).ToHaveAttributeAsync("data-live", "live");
        var ticket = dashboard.TicketPane;
        await Expect(ticket.Locator(".message-customer .message-text")).ToHaveTextAsync("My parcel has not arrived");

        await SupportDesk.PostUpdate(cluster, bot, Updates.Text(anna, "It was due on Monday"));
        await Expect(ticket.Locator(".message-customer .message-text")).ToHaveTextAsync(["My parcel has not arrived", "It was due on Monday"]);

        await colleague.Call(HttpMethod.Post, $"/v1/helpdesk/tickets/{ticketId}/presence", new { state = "typing" }, System.Net.HttpStatusCode.NoContent);
        await lead.Call(HttpMethod.Post, $"/v1/helpdesk/tickets/{ticketId}/presence", new { state = "viewing" }, System.Net.HttpStatusCode.NoContent);
        await Expect(ticket.Locator(".present-typing")).ToHaveTextAsync("Boris Orlov is typing…");
        await Expect(ticket.Locator(".present-viewing")).ToHaveTextAsync("Anna Kim is viewing");
        await ticket.GetByLabel("Reply to the customer").FillAsync("Let me check with the courier.");
        await dashboard.Screenshot("presence");

        // The customer writes while the agent is still writing: sending asks to review first.
        await SupportDesk.PostUpdate(cluster, bot, Updates.Text(anna, "Never mind, it just came!"));
        await Expect(ticket.Locator(".message-customer")).ToHaveCountAsync(3);
        await ticket.GetByRole(AriaRole.Button, new() { Name = "Send reply" }).ClickAsync();
        var stale = ticket.Locator(".stale-reply");
        await Expect(stale).ToContainTextAsync("A new message arrived while you were writing");
        await Expect(stale.Locator(".newer-customer")).ToContainTextAsync("Never mind, it just came!");
        await Expect(ticket.Locator(".message-agent")).ToHaveCountAsync(0);

        await ticket.GetByLabel("Reply to the customer").FillAsync("Glad it arrived!");
        await stale.GetByRole(AriaRole.Button, new() { Name = "Send anyway" }).ClickAsync();
        await cluster.Telegram.WaitForSent(sent => sent.Any(m => m.ChatId == anna.ChatId && m.Text == "Glad it arrived!"));
        await Expect(ticket.Locator(".message-agent .message-text")).ToHaveTextAsync("Glad it arrived!");
        await Expect(stale).ToHaveCountAsync(0);
        await Expect(dashboard.TicketRow(number)).ToBeVisibleAsync();
        Assert.Empty(dashboard.ScriptErrors);
    }
}
