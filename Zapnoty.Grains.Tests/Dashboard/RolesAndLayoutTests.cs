using Microsoft.Playwright;
using Zapnoty.Grains.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;
using Updates = Zapnoty.Grains.Tests.Infrastructure.TelegramUpdateBuilder;

namespace Zapnoty.Grains.Tests.Dashboard;

/// <summary>What each role sees, the phone layout, and the screenshots of the main screens for the README.</summary>
[Collection(ClusterCollection.Name)]
public sealed class RolesAndLayoutTests(ClusterFixture cluster, BrowserFixture browser)
{
    [Fact]
    public async Task A_viewer_reads_tickets_without_a_reply_box_status_buttons_or_settings()
    {
        var desk = await SupportDesk.Open(cluster);
        var (id, _) = await desk.ApiTicket("Where is my refund?");
        var viewer = await desk.Member(cluster, "viewer");

        await using var dashboard = await browser.NewPage(cluster.Silos[0].BaseAddress!);
        var page = dashboard.Page;
        await dashboard.OpenSupport(viewer, desk.ProjectId, id);
        var ticket = dashboard.TicketPane;
        await Expect(ticket.Locator(".message-customer .message-text")).ToHaveTextAsync("Where is my refund?");
        await Expect(page.Locator(".nav .role")).ToHaveTextAsync("viewer");
        await Expect(ticket.GetByText("You are a viewer in this project")).ToBeVisibleAsync();

        await Expect(ticket.GetByLabel("Reply to the customer")).ToHaveCountAsync(0);
        await Expect(ticket.Locator(".status-buttons")).ToHaveCountAsync(0);
        await Expect(ticket.Locator("select")).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Settings" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_support_member_replies_and_changes_tickets_but_sees_no_settings()
    {
        var desk = await SupportDesk.Open(cluster);
        var (id, _) = await desk.ApiTicket("The app crashes on start");
        var support = await desk.Member(cluster, "support");

        await using var dashboard = await browser.NewPage(cluster.Silos[1].BaseAddress!);
        var page = dashboard.Page;
        await dashboard.OpenSupport(support, desk.ProjectId, id);
        await Expect(dashboard.TicketPane.GetByLabel("Reply to the customer")).ToBeVisibleAsync();
        await Expect(dashboard.TicketPane.GetByRole(AriaRole.Button, new() { Name = "Closed", Exact = true })).ToBeEnabledAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Settings" })).ToHaveCountAsync(0);

        await page.GotoAsync($"/#/p/{desk.ProjectId}/settings");
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Settings are for the project's owner and admins");
    }

    [Fact]
    public async Task On_a_phone_the_open_ticket_stacks_above_the_list_and_both_fit_the_screen()
    {
        var desk = await SupportDesk.Open(cluster);
        var (id, number) = await desk.ApiTicket("Order 1042 arrived broken", "Anna Petrova");

        await using var dashboard = await browser.NewPage(cluster.Silos[0].BaseAddress!, width: 390, height: 844);
        var page = dashboard.Page;
        await dashboard.OpenSupport(desk.Owner, desk.ProjectId, id);
        await Expect(dashboard.TicketPane.Locator(".message-text")).ToHaveTextAsync("Order 1042 arrived broken");
        await Expect(dashboard.TicketRow(number)).ToBeVisibleAsync();

        var ticket = (await dashboard.TicketPane.BoundingBoxAsync())!;
        var list = (await dashboard.ListPane.BoundingBoxAsync())!;
        Assert.True(ticket.Y + ticket.Height <= list.Y, $"the ticket ({ticket.Y}+{ticket.Height}) is above the list ({list.Y})");
        Assert.True(ticket.Width > 340 && list.Width > 340, "each takes the screen's width");
        Assert.Equal(390, await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth"));   // nothing sideways
        await Expect(dashboard.TicketPane.GetByRole(AriaRole.Link, new() { Name = "← All tickets" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Screenshots_of_the_main_screens()
    {
        var desk = await SupportDesk.Open(cluster, "Acme Store", $"sam.{Guid.NewGuid().ToString()[..4]}@acme.example", "Sam Lead");
        var colleague = await desk.Teammate(cluster, "Anna Kim");
        var (vip, courier, refund) = (await desk.Tag("VIP", "#a855f7"), await desk.Tag("Courier", "#0ea5e9"), await desk.Tag("Refund", "#ef4444"));
        await desk.CannedReply("Greeting", "Hi {{customer.first_name|there}}, thanks for writing to {{project.name}}!");
        await desk.CannedReply("Pickup", "The parcel waits for you at the pickup point until 14 Dec; show the code 7315 at the desk.");
        var (overdue, _) = await desk.OverdueTicket("I was charged twice for order 1042");
        await Tags(desk, overdue, refund);
        var anna = TelegramCustomer.New("Anna", "Petrova", "anna_p");
        var (bot, _, annaTicket, _) = await desk.TelegramTicket(cluster, "Hello! My parcel has not arrived yet, the tracking page says 'in transit' for a week.", anna);
        var delivery = (await desk.Owner.Post($"/v1/projects/{desk.ProjectId}/helpdesk/ticket-types", new { name = "Delivery" })).GetProperty("id").GetGuid();
        await desk.Owner.Patch($"/v1/helpdesk/tickets/{annaTicket}", new { type_id = delivery, priority = "high" });
        await Tags(desk, annaTicket, vip, courier);
        await desk.ApiTicket("Cannot log in to the mobile app", "Boris Ivanov", new { priority = "urgent" });
        await desk.ApiTicket("Do you ship to Kazakhstan?", "Olga Smirnova", new { priority = "low" });
        var (closed, _) = await desk.ApiTicket("Change my delivery address", "Maria Lopez");
        await desk.Owner.Patch($"/v1/helpdesk/tickets/{closed}", new { status = "closed" });

        // The conversation: a reply with the courier's page attached, the customer's answer, a note for the team.
        var tracking = await SamplePicture.TrackingPage(browser, cluster.Silos[0].BaseAddress!);
        using (var sent = await ReplyFileTests.ReplyWithFiles(desk.Owner, annaTicket, "Hi Anna, sorry about that! The courier says it reached the pickup point this morning:",
                   ("tracking.png", "image/png", tracking)))
            Assert.Equal(System.Net.HttpStatusCode.Created, sent.StatusCode);
        await cluster.Telegram.WaitForFiles(files => files.Any(f => f.ChatId == anna.ChatId && f.Content.SequenceEqual(tracking)));
        await SupportDesk.PostUpdate(cluster, bot, Updates.Text(anna, "Thank you! Can my husband collect it for me?"));
        await colleague.Post($"/v1/helpdesk/tickets/{annaTicket}/notes",
            new { text = "@\"Sam Lead\" yes if he shows the code; she asked about a refund for the delay last time too." });
        var customerId = (await desk.Owner.Get($"/v1/helpdesk/tickets/{annaTicket}")).GetProperty("customer").GetProperty("id").GetGuid();
        await desk.Owner.Patch($"/v1/projects/{desk.ProjectId}/customers/{customerId}", new { notes = "Regular since 2024. Prefers short answers." });

        await using (var login = await browser.NewPage(cluster.Silos[0].BaseAddress!, height: 600))
        {
            await login.Page.GotoAsync("/#/login");
            await login.Page.GetByLabel("Email").FillAsync("anna@acme.example");
            await login.Screenshot("login");
        }

        await using var dashboard = await browser.NewPage(cluster.Silos[0].BaseAddress!, width: 1360, height: 760);
        await dashboard.OpenSupport(desk.Owner, desk.ProjectId);
        await Expect(dashboard.Page.Locator("tr.ticket-row.overdue")).ToHaveCountAsync(1);
        await Expect(dashboard.Page.Locator("tr.ticket-row .tag-chip")).ToHaveCountAsync(3);
        await dashboard.Screenshot("ticket-list");

        await dashboard.OpenSupport(desk.Owner, desk.ProjectId, annaTicket);
        var pane = dashboard.TicketPane;
        await Expect(pane.Locator("[data-delivery='delivered']")).ToBeVisibleAsync();
        await pane.Locator("button.attachment").Filter(new() { HasText = "tracking.png" }).ClickAsync();
        await Expect(pane.Locator("img.attachment-preview")).ToBeVisibleAsync();
        await Expect(pane.Locator("li.message-note")).ToContainTextAsync("shows the code");
        await Expect(dashboard.Page.GetByRole(AriaRole.Complementary, new() { Name = "Customer" }).GetByLabel("Notes about this customer"))
            .ToHaveValueAsync("Regular since 2024. Prefers short answers.");
        await colleague.Call(HttpMethod.Post, $"/v1/helpdesk/tickets/{annaTicket}/presence", new { state = "viewing" }, System.Net.HttpStatusCode.NoContent);
        await Expect(pane.Locator(".present-viewing")).ToHaveTextAsync("Anna Kim is viewing");
        await pane.GetByRole(AriaRole.Button, new() { Name = "Pickup" }).ClickAsync();
        await Expect(pane.GetByLabel("Reply to the customer")).Not.ToHaveValueAsync("");
        await dashboard.Screenshot("ticket-view");

        await using var phone = await browser.NewPage(cluster.Silos[0].BaseAddress!, width: 390, height: 844);
        await phone.OpenSupport(desk.Owner, desk.ProjectId, annaTicket);
        await Expect(phone.TicketPane.Locator("[data-delivery='delivered']")).ToBeVisibleAsync();
        await phone.Screenshot("phone");
        Assert.Empty(dashboard.ScriptErrors);
    }

    private static Task Tags(SupportDesk desk, Guid ticketId, params Guid[] tagIds) =>
        desk.Owner.Call(HttpMethod.Put, $"/v1/helpdesk/tickets/{ticketId}/tags", new { tag_ids = tagIds }, System.Net.HttpStatusCode.OK);
}
