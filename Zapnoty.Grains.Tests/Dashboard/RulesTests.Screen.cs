using Microsoft.Playwright;
using Zapnoty.Grains.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Zapnoty.Grains.Tests.Dashboard;

/// <summary>The Rules section of the settings, driven in headless Chromium, checked through the API.</summary>
[Collection(ClusterCollection.Name)]
public sealed class RulesScreenTests(ClusterFixture cluster, BrowserFixture browser)
{
    [Fact]
    public async Task Owner_creates_a_rule_sees_the_apis_refusal_turns_it_off_and_deletes_it()
    {
        var owner = await cluster.Api().LogInAs();
        var projectId = await owner.CreateProject();
        await using var dashboard = await browser.NewPage(cluster.Silos[0].BaseAddress!);
        await dashboard.OpenAs(owner, $"#/p/{projectId}/settings/rules");
        var page = dashboard.Page;
        var rules = $"/v1/projects/{projectId}/helpdesk/rules";

        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Warn the admins");
        await page.GetByLabel("Minutes before the due time").FillAsync("0");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add action" }).ClickAsync();
        await page.GetByLabel("Whom").SelectOptionAsync("role");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add rule" }).ClickAsync();
        await Expect(page.GetByLabel("Minutes before the due time")).ToHaveAttributeAsync("aria-invalid", "true");

        await page.GetByLabel("Minutes before the due time").FillAsync("15");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add rule" }).ClickAsync();
        var row = page.Locator(".list-row").Filter(new() { HasText = "Warn the admins" });
        await Expect(row).ToContainTextAsync("15 min before the first reply target");
        var stored = Assert.Single((await owner.Get(rules)).GetProperty("items").EnumerateArray());
        Assert.Equal("role", stored.GetProperty("actions")[0].GetProperty("to").GetString());
        Assert.Equal("admin", stored.GetProperty("actions")[0].GetProperty("role").GetString());
        Assert.True(stored.GetProperty("enabled").GetBoolean());

        await row.GetByLabel("Enabled").ClickAsync();   // controlled: it shows the stored state once the list reloads
        await Poll.Eventually(async () => !(await owner.Get(rules)).GetProperty("items")[0].GetProperty("enabled").GetBoolean());

        await row.GetByRole(AriaRole.Button, new() { Name = "Delete Warn the admins" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, delete" }).ClickAsync();
        await Expect(page.GetByText("No rules yet.")).ToBeVisibleAsync();
        Assert.Equal(0, (await owner.Get(rules)).GetProperty("items").GetArrayLength());
        await dashboard.Screenshot("settings-rules");
        Assert.Empty(dashboard.ScriptErrors);
    }
}
