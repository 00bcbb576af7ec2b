using System.Net;
using Microsoft.Playwright;
using Zapnoty.Grains.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Zapnoty.Grains.Tests.Dashboard;

/// <summary>Logging in with the emailed code, the project switcher, and the silo serving the app.</summary>
[Collection(ClusterCollection.Name)]
public sealed class DashboardLoginTests(ClusterFixture cluster, BrowserFixture browser)
{
    [Fact]
    public async Task A_person_logs_in_with_the_emailed_code_creates_a_project_and_lands_in_its_support_tab()
    {
        await using var dashboard = await browser.NewPage(cluster.Silos[0].BaseAddress!);
        var page = dashboard.Page;
        var email = $"agent-{Guid.NewGuid():N}@example.com";

        await dashboard.LogInThroughForm(cluster.Smtp, email);
        await Expect(page.GetByText("You are not in any project yet")).ToBeVisibleAsync();

        await page.GetByLabel("Name").FillAsync("Acme Support");
        await page.GetByLabel("Slug").FillAsync($"acme-{Guid.NewGuid():N}"[..20]);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create project" }).ClickAsync();

        await Expect(dashboard.ListPane).ToBeVisibleAsync();
        await Expect(page.Locator(".nav .project-name")).ToHaveTextAsync("Acme Support");
        await Expect(page.Locator(".nav .role")).ToHaveTextAsync("owner");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Settings" })).ToBeVisibleAsync();
        await Expect(page.GetByText("No tickets match these filters.")).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Send code" })).ToBeVisibleAsync();
        Assert.Empty(dashboard.ScriptErrors);
    }

    [Fact]
    public async Task A_wrong_code_is_shown_as_the_apis_readable_message()
    {
        await using var dashboard = await browser.NewPage(cluster.Silos[1].BaseAddress!);
        var page = dashboard.Page;
        var email = $"agent-{Guid.NewGuid():N}@example.com";

        await page.GotoAsync("/");
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByRole(AriaRole.Button, new() { Name = "Send code" }).ClickAsync();
        await page.GetByLabel("Code").FillAsync("00000000");
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();

        var alert = page.GetByRole(AriaRole.Alert);
        await Expect(alert).ToBeVisibleAsync();
        Assert.Matches("(?i)code", await alert.InnerTextAsync());
        await Expect(page.GetByLabel("Code")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task The_silo_serves_the_app_at_the_root_with_cache_headers_and_leaves_the_api_alone()
    {
        var http = cluster.Silos[0];
        using var index = await http.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, index.StatusCode);
        Assert.Equal("text/html", index.Content.Headers.ContentType?.MediaType);
        Assert.True(index.Headers.CacheControl?.NoCache, "index.html must be revalidated, so a deploy shows at once");
        var html = await index.Content.ReadAsStringAsync();
        Assert.DoesNotContain("://", html.Replace("http://www.w3.org", ""));   // every asset is ours, no CDN

        var asset = System.Text.RegularExpressions.Regex.Match(html, "/assets/[^\"]+\\.js").Value;
        using var script = await http.GetAsync(asset);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Contains("immutable", script.Headers.CacheControl?.ToString());

        using var unknown = await http.GetAsync("/v1/no-such-route");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.NotEqual("text/html", unknown.Content.Headers.ContentType?.MediaType);
        using var health = await http.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }
}
