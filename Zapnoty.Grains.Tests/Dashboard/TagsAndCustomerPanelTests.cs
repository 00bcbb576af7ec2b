using Microsoft.Playwright;
using Zapnoty.Grains.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;
using Updates = Zapnoty.Grains.Tests.Infrastructure.TelegramUpdateBuilder;

namespace Zapnoty.Grains.Tests.Dashboard;

/// <summary>Tags on a ticket, the customer panel beside it, notes about the customer and a merge, in headless Chromium.</summary>
[Collection(ClusterCollection.Name)]
public sealed class TagsAndCustomerPanelTests(ClusterFixture cluster, BrowserFixture browser)
{
    [Fact]
    public async Task An_agent_tags_a_ticket_reads_the_customer_panel_keeps_a_note_and_merges_the_customers_tickets()
    {
        var desk = await SupportDesk.Open(cluster, "Acme Store", $"sam.{Guid.NewGuid().ToString()[..4]}@acme.example", "Sam Lead");
        var tags = $"/v1/projects/{desk.ProjectId}/tags";
        await desk.Owner.Post(tags, new { name = "Refund", color = "#ef4444" });
        await desk.Owner.Post(tags, new { name = "VIP", color = "#a855f7" });
        var anna = TelegramCustomer.New("Anna", "Petrova", "anna_p");
        var (bot, _, firstId, first) = await desk.TelegramTicket(cluster, "My parcel has not arrived", anna);
        await SupportDesk.PostUpdate(cluster, bot, Updates.Text(anna, "/new"));
        await SupportDesk.PostUpdate(cluster, bot, Updates.Text(anna, "And I was charged twice for it"));
        var annas = $"/v1/projects/{desk.ProjectId}/helpdesk/tickets?customer_external_id={anna.Id}";
        await Poll.Eventually(async () => (await desk.Owner.Get(annas)).GetProperty("items").GetArrayLength() == 2);
        var second = (await desk.Owner.Get(annas)).GetProperty("items")[0];
        var (secondId, secondNumber) = (second.GetProperty("id").GetGuid(), second.GetProperty("number").GetInt64());
        await desk.ApiTicket("Invoice needed for March", "Olga Smirnova");

        await using var dashboard = await browser.NewPage(cluster.Silos[1].BaseAddress!);
        var page = dashboard.Page;
        await dashboard.OpenSupport(desk.Owner, desk.ProjectId, secondId);
        var ticket = dashboard.TicketPane;

        // Tagging: picked from the project's tags, shown as chips on the ticket and in the list.
        await ticket.GetByLabel("Add tag").SelectOptionAsync(new SelectOptionValue { Label = "Refund" });
        await Expect(ticket.Locator(".ticket-tags .tag-chip")).ToHaveTextAsync(["Refund×"]);
        await ticket.GetByLabel("Add tag").SelectOptionAsync(new SelectOptionValue { Label = "VIP" });
        await Expect(ticket.Locator(".ticket-tags .tag-chip")).ToHaveCountAsync(2);
        await Expect(dashboard.TicketRow(secondNumber).Locator(".tag-chip")).ToHaveTextAsync(["Refund", "VIP"]);
        var tagged = await desk.Owner.Get($"/v1/helpdesk/tickets/{secondId}");
        Assert.Equal(["Refund", "VIP"], tagged.GetProperty("tags").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        await dashboard.ListPane.GetByLabel("Tag").SelectOptionAsync(new SelectOptionValue { Label = "VIP" });
        await Expect(page.Locator("tr.ticket-row")).ToHaveCountAsync(1);
        await dashboard.Screenshot("tags");
        await dashboard.ListPane.GetByLabel("Tag").SelectOptionAsync("");
        await Expect(page.Locator("tr.ticket-row")).ToHaveCountAsync(3);

        // The customer panel: who they are, their tickets (open first), and the team's notes.
        var panel = page.GetByRole(AriaRole.Complementary, new() { Name = "Customer" });
        await Expect(panel).ToContainTextAsync("Anna Petrova");
        await Expect(panel).ToContainTextAsync("@anna_p");
        await Expect(panel).ToContainTextAsync("Telegram");
        await Expect(panel.Locator(".customer-tickets li")).ToHaveCountAsync(2);
        await Expect(panel.Locator(".customer-tickets li").First).ToContainTextAsync($"#{secondNumber}");
        await panel.GetByLabel("Notes about this customer").FillAsync("Prefers short answers. Ordered twice in March.");
        await panel.GetByRole(AriaRole.Button, new() { Name = "Save notes" }).ClickAsync();
        await Expect(panel.GetByRole(AriaRole.Status)).ToHaveTextAsync(DashboardPage.Words("Saved"));
        var customerId = tagged.GetProperty("customer").GetProperty("id").GetGuid();
        Assert.Equal("Prefers short answers. Ordered twice in March.",
            (await desk.Owner.Get($"/v1/projects/{desk.ProjectId}/customers/{customerId}")).GetProperty("notes").GetString());
        await dashboard.Screenshot("customer-panel");

        // Merge into the other ticket: asked once, then the survivor opens with both conversations.
        page.Dialog += (_, dialog) => _ = dialog.AcceptAsync();
        await panel.GetByLabel("Merge into…").SelectOptionAsync(firstId.ToString());
        await panel.GetByRole(AriaRole.Button, new() { Name = "Merge" }).ClickAsync();
        await Expect(ticket.Locator("h2")).ToContainTextAsync($"#{first}");
        await Expect(ticket).ToContainTextAsync("And I was charged twice for it");
        var merged = await desk.Owner.Get($"/v1/helpdesk/tickets/{secondId}");
        Assert.Equal(firstId, merged.GetProperty("merged_into").GetGuid());

        // A click on a ticket in the panel opens it.
        await panel.Locator(".customer-tickets a").Filter(new() { HasText = $"#{secondNumber}" }).ClickAsync();
        await Expect(ticket.Locator("h2")).ToContainTextAsync($"#{secondNumber}");
        await Expect(ticket.Locator(".merged-note")).ToBeVisibleAsync();
        Assert.Empty(dashboard.ScriptErrors);
    }
}
