using Microsoft.Playwright;
using Zapnoty.Grains.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Zapnoty.Grains.Tests.Dashboard;

/// <summary>The header's available/away switch and the auto-assignment settings, driven in headless Chromium.</summary>
[Collection(ClusterCollection.Name)]
public sealed class AutoAssignmentDashboardTests(ClusterFixture cluster, BrowserFixture browser)
{
    [Fact]
    public async Task An_owner_switches_away_in_the_header_and_sets_round_robin_with_a_cap_in_settings()
    {
        var owner = await cluster.Api().LogInAs();
        var projectId = await owner.CreateProject();
        await using var dashboard = await browser.NewPage(cluster.Silos[1].BaseAddress!);
        await dashboard.OpenAs(owner, $"#/p/{projectId}/settings/assignment");
        var page = dashboard.Page;

        var toggle = page.GetByRole(AriaRole.Button, new() { Name = "Available for auto-assigned tickets" });
        await Expect(toggle).ToHaveAttributeAsync("aria-pressed", "true");
        await toggle.ClickAsync();
        await Expect(toggle).ToHaveAttributeAsync("aria-pressed", "false");
        await Expect(toggle).ToContainTextAsync("Away");
        var me = (await owner.Get($"/v1/projects/{projectId}/members")).GetProperty("items").EnumerateArray().Single();
        Assert.False(me.GetProperty("available").GetBoolean());

        await page.GetByLabel("Open tickets per agent at most").FillAsync("0");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save auto-assignment" }).ClickAsync();
        await Expect(page.GetByLabel("Open tickets per agent at most")).ToHaveAttributeAsync("aria-invalid", "true");

        await page.GetByLabel("Mode").SelectOptionAsync("round_robin");
        await page.GetByLabel("Open tickets per agent at most").FillAsync("3");
        await page.GetByLabel("Away after minutes without activity").FillAsync("20");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save auto-assignment" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Saved.");
        var settings = await owner.Get($"/v1/projects/{projectId}/helpdesk/assignment");
        Assert.Equal("round_robin", settings.GetProperty("mode").GetString());
        Assert.Equal(3, settings.GetProperty("max_open_per_agent").GetInt32());
        Assert.Equal(20, settings.GetProperty("away_after_minutes").GetInt32());
        await dashboard.Screenshot("settings-assignment");
        Assert.Empty(dashboard.ScriptErrors);
    }
}
