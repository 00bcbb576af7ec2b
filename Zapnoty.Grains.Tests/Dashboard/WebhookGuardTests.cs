using Microsoft.Playwright;
using Zapnoty.Grains.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Zapnoty.Grains.Tests.Dashboard;

/// <summary>
/// Editing a webhook against the SSRF guard as production runs it: the test cluster lets webhooks
/// reach loopback (its receivers live there), so this drives a real silo process with the default
/// settings, where private addresses are refused.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class WebhookGuardTests(ClusterFixture cluster, BrowserFixture browser)
{
    [Fact]
    public async Task Editing_a_webhook_to_a_private_address_shows_the_guards_message_and_a_public_one_is_saved()
    {
        await using var silo = await SiloProcess.Start(new Dictionary<string, string>
        {
            ["Zapnoty__Smtp__Host"] = "127.0.0.1",
            ["Zapnoty__Smtp__Port"] = cluster.Smtp.Port.ToString(),
            ["Zapnoty__Dashboard__Path"] = BrowserFixture.DashboardFolder,
        });
        using var http = new HttpClient { BaseAddress = silo.Api };
        var owner = await new ApiClient(http, cluster.Smtp).LogInAs();
        var projectId = await owner.CreateProject();
        // IP literals: public without asking DNS, which a test machine may not have.
        const string before = "https://93.184.215.14/zapnoty", after = "https://93.184.215.15/zapnoty";
        var hookId = (await owner.Post($"/v1/projects/{projectId}/webhooks", new { url = before, events = new[] { "ticket.*" } }))
            .GetProperty("id").GetGuid();

        await using var dashboard = await browser.NewPage(silo.Api);
        var page = dashboard.Page;
        await dashboard.OpenAs(owner, $"#/p/{projectId}/settings/webhooks");
        var card = page.Locator("article.webhook");
        await card.GetByRole(AriaRole.Button, new() { Name = $"Edit {before}" }).ClickAsync();
        await card.GetByLabel("Endpoint URL").FillAsync("http://10.1.2.3:8080/hook");
        await card.GetByRole(AriaRole.Button, new() { Name = "Save endpoint" }).ClickAsync();
        await Expect(card.GetByRole(AriaRole.Alert)).ToHaveTextAsync(
            "The host '10.1.2.3' resolves to 10.1.2.3, a loopback, link-local or private address; webhooks go to public addresses only.");
        Assert.Equal(before, (await owner.Get($"/v1/projects/{projectId}/webhooks/{hookId}")).GetProperty("url").GetString());

        await card.GetByLabel("Endpoint URL").FillAsync(after);
        await card.GetByRole(AriaRole.Button, new() { Name = "Save endpoint" }).ClickAsync();
        await Expect(card.GetByText(after, new() { Exact = true })).ToBeVisibleAsync();
        Assert.Equal(after, (await owner.Get($"/v1/projects/{projectId}/webhooks/{hookId}")).GetProperty("url").GetString());
        await dashboard.Screenshot("settings-webhook-edit");
        Assert.Empty(dashboard.ScriptErrors);
    }
}
