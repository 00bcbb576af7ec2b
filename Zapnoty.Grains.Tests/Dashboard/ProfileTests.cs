using Microsoft.Playwright;
using Zapnoty.Grains.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Zapnoty.Grains.Tests.Dashboard;

/// <summary>Setting your display name from the header, and where the team then sees it.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ProfileTests(ClusterFixture cluster, BrowserFixture browser)
{
    [Fact]
    public async Task An_agent_sets_their_name_and_sees_it_in_a_canned_reply_the_assignee_picker_and_the_team_list()
    {
        var ownerEmail = $"olga-{Guid.NewGuid():N}@example.com";
        var desk = await SupportDesk.Open(cluster, ownerEmail: ownerEmail);
        await desk.CannedReply("Sign", "Best regards, {{agent.name}}");
        var (ticketId, number) = await desk.ApiTicket("Where is my order?");

        await using var dashboard = await browser.NewPage(cluster.Silos[1].BaseAddress!);
        var page = dashboard.Page;
        await dashboard.OpenSupport(desk.Owner, desk.ProjectId, ticketId);

        // Until a name is set, the header shows the email.
        var me = page.GetByRole(AriaRole.Button, new() { Name = ownerEmail });
        await me.ClickAsync();
        var profile = page.GetByRole(AriaRole.Dialog, new() { Name = "Your profile" });
        await profile.GetByLabel("Your name").FillAsync("  ");
        await profile.GetByRole(AriaRole.Button, new() { Name = "Save name" }).ClickAsync();
        await Expect(profile.GetByRole(AriaRole.Alert)).ToContainTextAsync("name is required");   // the API's message
        await profile.GetByLabel("Your name").FillAsync("Olga Smirnova");
        await profile.GetByRole(AriaRole.Button, new() { Name = "Save name" }).ClickAsync();
        await Expect(profile.GetByRole(AriaRole.Status)).ToHaveTextAsync("Saved.");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Olga Smirnova" })).ToBeVisibleAsync();
        await profile.GetByRole(AriaRole.Button, new() { Name = "Close" }).ClickAsync();
        Assert.Equal("Olga Smirnova", (await desk.Owner.Get("/v1/auth/me")).GetProperty("name").GetString());

        var ticket = dashboard.TicketPane;
        await ticket.GetByRole(AriaRole.Button, new() { Name = "Sign" }).ClickAsync();
        await Expect(ticket.GetByLabel("Reply to the customer")).ToHaveValueAsync("Best regards, Olga Smirnova");

        // The pickers name the team by name; the list then shows the assignee so.
        await page.ReloadAsync();   // the team is loaded once per screen
        await ticket.GetByLabel("Assignee").SelectOptionAsync(new SelectOptionValue { Label = "Olga Smirnova" });
        await Expect(dashboard.TicketRow(number)).ToContainTextAsync("Olga Smirnova");
        var assignee = (await desk.Owner.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("assignee");
        Assert.Equal("Olga Smirnova", assignee.GetProperty("name").GetString());

        await page.GetByRole(AriaRole.Link, new() { Name = "Settings" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Team" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = ownerEmail })).ToContainTextAsync("Olga Smirnova");
        await dashboard.Screenshot("profile-team");
        Assert.Empty(dashboard.ScriptErrors);
    }
}
