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
        await Expect(page).ToHaveURLAsync(new Regex("tickets\\?priority=high$"));
        await Expect(page.Locator("tr[data-ticket-number]")).ToHaveCountAsync(2);
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
