using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Zapnoty.Grains.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Zapnoty.Grains.Tests.Dashboard;

/// <summary>The Support tab driven in headless Chromium against a real silo: list, filters, a ticket, replies.</summary>
[Collection(ClusterCollection.Name)]
public sealed class SupportTabTests(ClusterFixture cluster, BrowserFixture browser)
{
    [Fact]
    public async Task An_agent_filters_opens_a_telegram_ticket_inserts_a_canned_reply_edits_and_sends_it_to_the_chat()
    {
        var desk = await SupportDesk.Open(cluster);
        await desk.CannedReply("Greeting", "Hi {{customer.first_name|there}}, about ticket #{{ticket.number}}:");
        var anna = TelegramCustomer.New("Anna", "Petrova", "anna_p");
        var (_, _, _, annaNumber) = await desk.TelegramTicket(cluster, "My parcel has not arrived", anna);
        var (_, urgent) = await desk.ApiTicket("Cannot log in to my account", "Boris Ivanov", new { priority = "urgent" });
        var (_, other) = await desk.ApiTicket("Invoice needed for March", "Olga Smirnova");

        await using var dashboard = await browser.NewPage(cluster.Silos[1].BaseAddress!);
        var page = dashboard.Page;
        await dashboard.OpenSupport(desk.Owner, desk.ProjectId);
        await Expect(page.Locator("tr.ticket-row")).ToHaveCountAsync(3);
        await Expect(page.Locator(".status-tabs button[data-status='new'] .count")).ToHaveTextAsync("3");
        await Expect(page.Locator("tr.ticket-row .number")).ToHaveTextAsync([$"#{other}", $"#{urgent}", $"#{annaNumber}"]);   // newest first

        await page.GetByLabel("Priority").SelectOptionAsync("urgent");
        await Expect(page.Locator("tr.ticket-row")).ToHaveCountAsync(1);
        await Expect(dashboard.TicketRow(urgent)).ToBeVisibleAsync();
        await page.GetByLabel("Priority").SelectOptionAsync("");
        await page.GetByLabel("Search").FillAsync("parcel");
        await page.GetByLabel("Search").PressAsync("Enter");
        await Expect(page.Locator("tr.ticket-row")).ToHaveCountAsync(1);
        var row = dashboard.TicketRow(annaNumber);
        await Expect(row.GetByRole(AriaRole.Img, new() { Name = "Telegram" })).ToBeVisibleAsync();
        await Expect(row).ToContainTextAsync("Anna Petrova");

        await row.GetByRole(AriaRole.Link).ClickAsync();
        var ticket = dashboard.TicketPane;
        await Expect(ticket.Locator(".message-customer .message-text")).ToHaveTextAsync("My parcel has not arrived");

        await ticket.GetByRole(AriaRole.Button, new() { Name = "Greeting" }).ClickAsync();
        var box = ticket.GetByLabel("Reply to the customer");
        await Expect(box).ToHaveValueAsync($"Hi Anna, about ticket #{annaNumber}:");
        await box.PressSequentiallyAsync(" it left our warehouse today.");
        await Expect(ticket.Locator(".credits")).ToHaveTextAsync("100 credits left");
        await ticket.GetByRole(AriaRole.Button, new() { Name = "Send reply" }).ClickAsync();

        var expected = $"Hi Anna, about ticket #{annaNumber}: it left our warehouse today.";
        await cluster.Telegram.WaitForSent(sent => sent.Any(m => m.ChatId == anna.ChatId && m.Text == expected));
        var reply = ticket.Locator(".message-agent").Filter(new() { HasText = "it left our warehouse today" });
        await Expect(reply.Locator(".delivery")).ToHaveAttributeAsync("data-delivery", "delivered");
        await Expect(box).ToHaveValueAsync("");
        await Expect(ticket.Locator(".credits")).ToHaveTextAsync("99 credits left");
        await Expect(ticket.Locator(".status-buttons button[aria-pressed='true']")).ToHaveTextAsync("In progress");
        Assert.Empty(dashboard.ScriptErrors);
    }

    [Fact]
    public async Task One_click_changes_the_status_and_the_list_and_counts_follow()
    {
        var desk = await SupportDesk.Open(cluster);
        var (id, number) = await desk.ApiTicket("Refund please");

        await using var dashboard = await browser.NewPage(cluster.Silos[0].BaseAddress!);
        var page = dashboard.Page;
        await dashboard.OpenSupport(desk.Owner, desk.ProjectId, id);
        var ticket = dashboard.TicketPane;

        await ticket.GetByRole(AriaRole.Button, new() { Name = "Waiting" }).ClickAsync();
        await Expect(ticket.GetByRole(AriaRole.Button, new() { Name = "Waiting" })).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(dashboard.TicketRow(number).Locator(".status")).ToHaveTextAsync("Waiting");
        await Expect(page.Locator(".status-tabs button[data-status='waiting'] .count")).ToHaveTextAsync("1");
        await Expect(page.Locator(".status-tabs button[data-status='new'] .count")).ToHaveTextAsync("0");
        Assert.Equal("waiting", (await desk.Owner.Get($"/v1/helpdesk/tickets/{id}")).GetProperty("status").GetString());

        await ticket.GetByLabel("Assignee").SelectOptionAsync(new SelectOptionValue { Label = (await desk.Owner.Get("/v1/auth/me")).GetProperty("email").GetString()! });
        await Expect(dashboard.TicketRow(number)).ToContainTextAsync("owner-");
        await page.Locator(".filters").GetByLabel("Assignee").SelectOptionAsync("none");
        await Expect(page.GetByText("No tickets match these filters.")).ToBeVisibleAsync();
        await page.Locator(".filters").GetByLabel("Assignee").SelectOptionAsync("me");
        await Expect(dashboard.TicketRow(number)).ToBeVisibleAsync();
        await Expect(ticket.Locator(".history")).ToContainTextAsync("Status New → Waiting");
    }

    [Fact]
    public async Task An_overdue_ticket_is_red_in_the_list_and_the_overdue_filter_finds_it()
    {
        var desk = await SupportDesk.Open(cluster);
        var (_, late) = await desk.OverdueTicket("Still waiting for an answer");
        var (_, onTime) = await desk.ApiTicket("A fresh question");

        await using var dashboard = await browser.NewPage(cluster.Silos[0].BaseAddress!);
        var page = dashboard.Page;
        await dashboard.OpenSupport(desk.Owner, desk.ProjectId);

        var red = dashboard.TicketRow(late);
        await Expect(red).ToHaveClassAsync(new Regex(@"\boverdue\b"));
        await Expect(red).ToHaveCSSAsync("background-color", "rgb(254, 242, 242)");
        await Expect(red.Locator(".subject a")).ToHaveCSSAsync("color", "rgb(220, 38, 38)");
        await Expect(red.GetByText("Overdue")).ToBeVisibleAsync();
        await Expect(dashboard.TicketRow(onTime)).Not.ToHaveClassAsync(new Regex(@"\boverdue\b"));

        await page.GetByLabel("Overdue only").CheckAsync();
        await Expect(page.Locator("tr.ticket-row")).ToHaveCountAsync(1);
        await red.GetByRole(AriaRole.Link).ClickAsync();
        await Expect(page.Locator(".sla .overdue")).ToContainTextAsync("overdue by");
    }

    [Fact]
    public async Task The_list_shows_a_new_ticket_on_its_own_keeping_the_filters()
    {
        var desk = await SupportDesk.Open(cluster);
        await desk.ApiTicket("First question");

        await using var dashboard = await browser.NewPage(cluster.Silos[0].BaseAddress!);
        var page = dashboard.Page;
        await dashboard.OpenSupport(desk.Owner, desk.ProjectId);
        await page.Locator(".status-tabs button[data-status='new']").ClickAsync();
        await Expect(page.Locator("tr.ticket-row")).ToHaveCountAsync(1);

        var (_, arrived) = await desk.ApiTicket("Arrives while the list is open", "Maria Lopez");
        await Expect(dashboard.TicketRow(arrived)).ToBeVisibleAsync();
        await Expect(page.Locator("tr.ticket-row")).ToHaveCountAsync(2);
        await Expect(page.Locator(".status-tabs button[data-status='new']")).ToHaveAttributeAsync("aria-pressed", "true");
    }

    [Fact]
    public async Task A_customer_message_with_a_script_shows_as_text_and_does_not_run()
    {
        var desk = await SupportDesk.Open(cluster);
        const string hostile = "<script>window.__xss = 1</script><img src=x onerror=\"window.__xss = 2\"> <b>bold?</b>";
        var (id, number) = await desk.ApiTicket(hostile, "<i>Mallory</i>");

        await using var dashboard = await browser.NewPage(cluster.Silos[0].BaseAddress!);
        var page = dashboard.Page;
        await dashboard.OpenSupport(desk.Owner, desk.ProjectId, id);
        var ticket = dashboard.TicketPane;

        await Expect(ticket.Locator(".message-customer .message-text")).ToHaveTextAsync(hostile);
        await Expect(dashboard.TicketRow(number)).ToContainTextAsync("<i>Mallory</i>");
        Assert.Equal(0, await page.Locator("main img, .ticket-pane-view img, .ticket-pane-view b, tr i").CountAsync());
        Assert.Null(await page.EvaluateAsync<int?>("() => window.__xss ?? null"));
        Assert.Empty(dashboard.ScriptErrors);
    }

    [Fact]
    public async Task Out_of_credits_the_reply_box_explains_the_402_and_how_to_top_up()
    {
        var desk = await SupportDesk.Open(cluster);
        var (id, _) = await desk.ApiTicket("Help me");
        await Task.WhenAll(Enumerable.Range(0, 100).Select(i => desk.Owner.Post($"/v1/helpdesk/tickets/{id}/replies", new { text = $"Reply {i}" })));

        await using var dashboard = await browser.NewPage(cluster.Silos[0].BaseAddress!);
        var page = dashboard.Page;
        await dashboard.OpenSupport(desk.Owner, desk.ProjectId, id);
        var ticket = dashboard.TicketPane;
        await Expect(ticket.Locator(".credits")).ToHaveTextAsync("0 credits left");
        await ticket.GetByLabel("Reply to the customer").FillAsync("One more");
        await ticket.GetByRole(AriaRole.Button, new() { Name = "Send reply" }).ClickAsync();

        var alert = ticket.GetByRole(AriaRole.Alert);
        await Expect(alert).ToContainTextAsync("credit");
        await Expect(alert.GetByRole(AriaRole.Link, new() { Name = "Settings → Billing" })).ToHaveAttributeAsync("href", $"#/p/{desk.ProjectId}/settings/billing");
        await Expect(ticket.GetByLabel("Reply to the customer")).ToHaveValueAsync("One more");   // nothing typed is lost
    }

    [Fact]
    public async Task A_ticket_that_does_not_exist_shows_the_apis_message()
    {
        var desk = await SupportDesk.Open(cluster);
        var missing = Guid.NewGuid();

        await using var dashboard = await browser.NewPage(cluster.Silos[0].BaseAddress!);
        await dashboard.OpenSupport(desk.Owner, desk.ProjectId, missing);
        await Expect(dashboard.Page.GetByRole(AriaRole.Alert)).ToHaveTextAsync($"Ticket {missing} does not exist.");
    }
}
