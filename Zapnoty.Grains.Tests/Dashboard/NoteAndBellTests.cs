using Microsoft.Playwright;
using Zapnoty.Grains.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Zapnoty.Grains.Tests.Dashboard;

/// <summary>Internal notes in the reply box and the conversation, and the bell, in headless Chromium.</summary>
[Collection(ClusterCollection.Name)]
public sealed class NoteAndBellTests(ClusterFixture cluster, BrowserFixture browser)
{
    [Fact]
    public async Task An_agent_writes_a_note_mentioning_a_teammate_who_opens_it_from_the_bell()
    {
        var desk = await SupportDesk.Open(cluster, "Acme Store", $"sam.{Guid.NewGuid().ToString()[..4]}@acme.example");
        await desk.Owner.Patch("/v1/auth/me", new { name = "Sam Lead" });
        var annaEmail = $"anna.{Guid.NewGuid().ToString()[..4]}@acme.example";
        var anna = await cluster.Api().LogInAs(annaEmail);
        await anna.Patch("/v1/auth/me", new { name = "Anna Kim" });
        await desk.Owner.Post($"/v1/projects/{desk.ProjectId}/members", new { email = annaEmail, role = "support" });
        var customer = TelegramCustomer.New("Olga", "Smirnova", "olga_s");
        var (_, _, ticketId, number) = await desk.TelegramTicket(cluster, "I was charged twice for order 1042, please refund one payment.", customer);
        await desk.Owner.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = "Hi Olga, sorry about that! I'm checking with our payments team." });

        await using var dashboard = await browser.NewPage(cluster.Silos[0].BaseAddress!, width: 1360, height: 900);
        var page = dashboard.Page;
        await dashboard.OpenSupport(desk.Owner, desk.ProjectId, ticketId);
        var pane = dashboard.TicketPane;
        await pane.GetByRole(AriaRole.Tab, new() { Name = "Note" }).ClickAsync();
        await Expect(pane.GetByText("Only your team sees this")).ToBeVisibleAsync();
        await Expect(pane.GetByRole(AriaRole.Button, new() { Name = "Send reply" })).ToHaveCountAsync(0);
        await pane.GetByLabel("Internal note · Only your team sees this").FillAsync("@\"Anna Kim\" the second charge is a pending authorisation; can you confirm in Stripe?");
        await pane.GetByRole(AriaRole.Button, new() { Name = "Add note" }).ClickAsync();

        var note = pane.Locator("li.message-note");
        await Expect(note).ToContainTextAsync("pending authorisation");
        await Expect(note).ToContainTextAsync("Internal note");
        await Expect(note.Locator("[data-delivery]")).ToHaveCountAsync(0);
        await Expect(pane.Locator("li.message-agent:not(.message-note) [data-delivery='delivered']")).ToBeVisibleAsync();
        Assert.Equal("rgb(254, 243, 199)", await note.EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor"));   // amber, not a reply's blue
        await dashboard.Screenshot("ticket-note");
        // The reply tab keeps its own draft, empty: the note did not leak into it.
        await pane.GetByRole(AriaRole.Tab, new() { Name = "Reply" }).ClickAsync();
        await Expect(pane.GetByLabel("Reply to the customer")).ToHaveValueAsync("");
        Assert.DoesNotContain(cluster.Telegram.Sent(customer.ChatId), m => m.Text.Contains("authorisation"));
        // Writing a note showed the customer no "typing…": only the reply box does.
        Assert.DoesNotContain(cluster.Telegram.CallsTo("sendChatAction"), c => c.ChatId == customer.Id);

        await using var annaPage = await browser.NewPage(cluster.Silos[1].BaseAddress!, width: 1360, height: 900);
        await annaPage.OpenSupport(anna, desk.ProjectId);
        var bell = annaPage.Page.GetByRole(AriaRole.Button, new() { Name = "Notifications, 1 unread" });
        await Expect(bell).ToBeVisibleAsync();
        await bell.ClickAsync();
        var panel = annaPage.Page.GetByRole(AriaRole.Region, new() { Name = "Notifications" });
        await Expect(panel).ToContainTextAsync($"Sam Lead mentioned you on #{number}");
        await annaPage.Screenshot("notification-bell");
        await panel.GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex("mentioned you") }).ClickAsync();

        await Expect(annaPage.TicketPane.Locator("li.message-note")).ToContainTextAsync("pending authorisation");
        await Expect(annaPage.Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/tickets/{ticketId}$"));
        await Expect(annaPage.Page.GetByRole(AriaRole.Button, new() { Name = "Notifications, 0 unread" })).ToBeVisibleAsync();
        Assert.Equal(0, (await anna.Get("/v1/me/notifications")).GetProperty("unread_count").GetInt32());
        Assert.Empty(dashboard.ScriptErrors);
        Assert.Empty(annaPage.ScriptErrors);
    }
}
