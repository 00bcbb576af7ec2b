using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Zapnoty.Grains.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Zapnoty.Grains.Tests.Dashboard;

/// <summary>The Reports tab driven in headless Chromium against the real cluster.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ReportsTabTests(ClusterFixture cluster, BrowserFixture browser)
{
    [Fact]
    public async Task Owner_reads_the_figures_drills_down_to_the_tickets_behind_a_number_and_downloads_csv()
    {
        var owner = await cluster.Api().LogInAs();
        var projectId = await owner.CreateProject();
        await owner.CreateTicket(projectId, "one", "c1", new { priority = "high" });
        await owner.CreateTicket(projectId, "two", "c2", new { priority = "high" });
        await owner.CreateTicket(projectId, "three", "c3", new { priority = "low" });
        await using var dashboard = await browser.NewPage(cluster.Silos[0].BaseAddress!);
        var page = dashboard.Page;
        await dashboard.OpenAs(owner, $"#/p/{projectId}/tickets");
        await page.GetByRole(AriaRole.Link, new() { Name = "Reports" }).ClickAsync();

        var overview = page.GetByRole(AriaRole.Region, new() { Name = "Overview" });
        await Expect(overview.Locator(".card").Filter(new() { HasText = "Created" }).Locator("dd")).ToHaveTextAsync("3");
        await page.GetByLabel("Compare with the previous period").CheckAsync();
        await Expect(overview.Locator(".card").Filter(new() { HasText = "Created" })).ToContainTextAsync("before: 0");
        await Expect(page.GetByRole(AriaRole.Img, new() { Name = "Tickets per day" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Img, new() { Name = "Tickets created by day and hour" })).ToBeVisibleAsync();
        await dashboard.Screenshot("reports");

        var download = await page.RunAndWaitForDownloadAsync(() =>
            overview.GetByRole(AriaRole.Button, new() { Name = "CSV" }).ClickAsync());
        var csv = await File.ReadAllTextAsync((await download.PathAsync())!);
        Assert.StartsWith("period,range,name,created,", csv);
        Assert.Contains("\ncurrent,", csv);

        await page.GetByLabel("Break down by").SelectOptionAsync("priority");
        var breakdown = page.GetByRole(AriaRole.Region, new() { Name = "Breakdown" });
        var high = breakdown.GetByRole(AriaRole.Row).Filter(new() { Has = page.GetByRole(AriaRole.Rowheader, new() { Name = "high" }) });
        await high.GetByRole(AriaRole.Link, new() { Name = "2" }).ClickAsync();
        await dashboard.ListPane.WaitForAsync();
        // The number counts the range's tickets: the list gets the same range.
        await Expect(page).ToHaveURLAsync(new Regex("tickets\\?priority=high&created_from=[^&]+&created_to=[^&]+$"));
        await Expect(page.Locator("tr[data-ticket-number]")).ToHaveCountAsync(2);
        Assert.Empty(dashboard.ScriptErrors);
    }

    [Fact]
    public async Task A_number_of_tickets_created_in_a_channel_on_a_day_or_in_an_hour_opens_the_list_of_exactly_those_tickets()
    {
        var owner = await cluster.Api().LogInAs();
        var projectId = await owner.CreateProject();
        await owner.CreateTicket(projectId, "one", "c1");
        await owner.CreateTicket(projectId, "two", "c2");
        // A third ticket of the same channel, created ten days ago: outside a week's range.
        await SqlTickets.Insert(cluster.Database, projectId, 1000, "api", DateTimeOffset.UtcNow.AddDays(-10));
        await using var dashboard = await browser.NewPage(cluster.Silos[0].BaseAddress!);
        var page = dashboard.Page;
        async Task OpenReportsOfTheLastWeek()
        {
            await dashboard.OpenAs(owner, $"#/p/{projectId}/reports");
            await page.GetByRole(AriaRole.Button, new() { Name = "7 days" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Overview" }).Locator(".card").Filter(new() { HasText = "Created" }).Locator("dd"))
                .ToHaveTextAsync("2");
        }
        async Task SeeTheListOfTheTwo(string urlPattern)
        {
            await dashboard.ListPane.WaitForAsync();
            await Expect(page).ToHaveURLAsync(new Regex(urlPattern));
            await Expect(page.Locator("tr[data-ticket-number]")).ToHaveCountAsync(2);
            await Expect(dashboard.TicketRow(1000)).ToHaveCountAsync(0);
        }

        // The breakdown by channel (the default): api's 2 created.
        await OpenReportsOfTheLastWeek();
        var breakdown = page.GetByRole(AriaRole.Region, new() { Name = "Breakdown" });
        var api = breakdown.GetByRole(AriaRole.Row).Filter(new() { Has = page.GetByRole(AriaRole.Rowheader, new() { Name = "api" }) });
        await api.GetByRole(AriaRole.Link, new() { Name = "2" }).ClickAsync();
        await SeeTheListOfTheTwo("tickets\\?channel=api&created_from=[^&]+&created_to=");
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Channel: api" })).ToBeVisibleAsync();

        // The overview's Created.
        await OpenReportsOfTheLastWeek();
        await page.GetByRole(AriaRole.Region, new() { Name = "Overview" }).GetByRole(AriaRole.Link, new() { Name = "2" }).ClickAsync();
        await SeeTheListOfTheTwo("tickets\\?created_from=");

        // Today's column of the per-day chart.
        await OpenReportsOfTheLastWeek();
        await page.GetByRole(AriaRole.Region, new() { Name = "Tickets per day" }).Locator("a[aria-label$=': 2 created']").ClickAsync();
        await SeeTheListOfTheTwo("tickets\\?created_from=");

        // The heat map's busy hours (a week's range: each cell is one hour); the two were created
        // seconds apart, so in one hour unless the hour turned between them.
        await OpenReportsOfTheLastWeek();
        var hours = page.GetByRole(AriaRole.Region, new() { Name = "Busiest hours" }).Locator("a[aria-label$=' created']");
        var counts = (await hours.EvaluateAllAsync<string[]>("links => links.map(a => a.getAttribute('aria-label'))"))
            .Select(label => int.Parse(label.Split(": ")[1].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(2, counts.Sum());
        await hours.First.ClickAsync();
        await dashboard.ListPane.WaitForAsync();
        await Expect(page.Locator("tr[data-ticket-number]")).ToHaveCountAsync(counts[0]);
        Assert.Empty(dashboard.ScriptErrors);
    }

    [Fact]
    public async Task A_support_member_sees_no_reports_tab_and_the_api_refuses_them()
    {
        var owner = await cluster.Api().LogInAs();
        var projectId = await owner.CreateProject();
        var email = $"support-{Guid.NewGuid():N}@example.com";
        await owner.Post($"/v1/projects/{projectId}/members", new { email, role = "support" });
        var support = await cluster.Api().LogInAs(email);
        await using var dashboard = await browser.NewPage(cluster.Silos[0].BaseAddress!);
        await dashboard.OpenSupport(support, projectId);
        await Expect(dashboard.Page.GetByRole(AriaRole.Link, new() { Name = "Reports" })).ToHaveCountAsync(0);
        using var refused = await support.Send(HttpMethod.Get, $"/v1/projects/{projectId}/reports/overview");
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, refused.StatusCode);
    }
}
