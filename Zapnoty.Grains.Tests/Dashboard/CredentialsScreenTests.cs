using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Zapnoty.Grains.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Zapnoty.Grains.Tests.Dashboard;

/// <summary>The API keys screen (scopes, expiry, creator, last use) and the sessions in the profile panel.</summary>
[Collection(ClusterCollection.Name)]
public sealed class CredentialsScreenTests(ClusterFixture cluster, BrowserFixture browser)
{
    [Fact]
    public async Task An_owner_creates_a_read_only_key_that_expires_and_sees_who_made_it_and_when_it_was_used()
    {
        var email = $"owner-{Guid.NewGuid():N}@example.com";
        var desk = await SupportDesk.Open(cluster, ownerEmail: email);
        await using var dashboard = await browser.NewPage(cluster.Silos[0].BaseAddress!);
        var page = dashboard.Page;
        await dashboard.OpenAs(desk.Owner, $"#/p/{desk.ProjectId}/settings/api-keys");

        await page.GetByLabel("New key name").FillAsync("reports");
        await page.GetByLabel("Access").SelectOptionAsync(new SelectOptionValue { Label = "Read tickets (tickets:read)" });
        await page.GetByLabel("Expires").SelectOptionAsync(new SelectOptionValue { Label = "In 30 days" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
        var key = desk.Owner.WithToken(await page.Locator(".secret-value").InnerTextAsync());
        await key.Get($"/v1/projects/{desk.ProjectId}/helpdesk/tickets");
        await key.Call(HttpMethod.Post, $"/v1/projects/{desk.ProjectId}/helpdesk/tickets",
            new { text = "Hi", customer = new { external_id = "c-1" } }, HttpStatusCode.Forbidden);
        await page.GetByRole(AriaRole.Button, new() { Name = "Done, I stored it" }).ClickAsync();

        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "reports" });
        await Expect(row).ToContainTextAsync("tickets:read");
        await Expect(row).ToContainTextAsync($"by {email}");
        var listed = (await desk.Owner.Get($"/v1/projects/{desk.ProjectId}/api-keys")).GetProperty("items")[0];
        var expires = listed.GetProperty("expires_at").GetDateTime();
        Assert.InRange(expires, DateTime.UtcNow.AddDays(29.9), DateTime.UtcNow.AddDays(30.1));

        await page.ReloadAsync();
        var lastUsed = row.Locator("td").Nth(4);   // Name, Key, Access, Created, Last used, Expires
        await Expect(lastUsed).Not.ToHaveTextAsync("never");
        await dashboard.Screenshot("settings-api-keys");
        Assert.Empty(dashboard.ScriptErrors);
    }

    [Fact]
    public async Task An_agent_ends_a_stolen_session_and_then_logs_out_everywhere_from_the_profile()
    {
        var email = $"agent-{Guid.NewGuid():N}@example.com";
        var desk = await SupportDesk.Open(cluster, ownerEmail: email);
        var stolen = await cluster.Api(1).LogInAs(email);
        await stolen.Get("/v1/auth/me");
        await using var dashboard = await browser.NewPage(cluster.Silos[0].BaseAddress!);
        var page = dashboard.Page;
        await dashboard.OpenSupport(desk.Owner, desk.ProjectId);

        await page.GetByRole(AriaRole.Button, new() { Name = email }).ClickAsync();
        var sessions = page.GetByRole(AriaRole.Dialog, new() { Name = "Your profile" }).GetByRole(AriaRole.Region, new() { Name = "Your sessions" });
        await Expect(sessions.GetByRole(AriaRole.Listitem)).ToHaveCountAsync(2);
        await Expect(sessions.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "This browser" })).ToHaveCountAsync(1);
        await dashboard.Screenshot("profile-sessions");

        await sessions.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^End ") }).ClickAsync();
        await sessions.GetByRole(AriaRole.Button, new() { Name = "Yes, end it" }).ClickAsync();
        await Expect(sessions.GetByRole(AriaRole.Listitem)).ToHaveCountAsync(1);
        await stolen.Call(HttpMethod.Get, "/v1/auth/me", null, HttpStatusCode.Unauthorized);

        await sessions.GetByRole(AriaRole.Button, new() { Name = "Log out everywhere" }).ClickAsync();
        await sessions.GetByRole(AriaRole.Button, new() { Name = "Yes, log out everywhere" }).ClickAsync();
        await Expect(page.GetByLabel("Email")).ToBeVisibleAsync();
        await desk.Owner.Call(HttpMethod.Get, "/v1/auth/me", null, HttpStatusCode.Unauthorized);
        Assert.Empty(dashboard.ScriptErrors);
    }
}
