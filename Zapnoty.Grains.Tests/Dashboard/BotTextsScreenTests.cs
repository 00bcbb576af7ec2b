using Microsoft.Playwright;
using Zapnoty.Grains.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Zapnoty.Grains.Tests.Dashboard;

/// <summary>The bot texts per language in Settings → Telegram &amp; Max, driven in headless Chromium and checked through the API.</summary>
[Collection(ClusterCollection.Name)]
public sealed class BotTextsScreenTests(ClusterFixture cluster, BrowserFixture browser)
{
    [Fact]
    public async Task Admin_writes_Russian_texts_and_a_type_name_sees_the_defaults_gets_the_apis_refusal_and_makes_Russian_the_default()
    {
        var owner = await cluster.Api().LogInAs();
        var projectId = await owner.CreateProject();
        var typeId = (await owner.Post($"/v1/projects/{projectId}/helpdesk/ticket-types", new { name = "Billing" })).GetProperty("id").GetGuid();
        await using var dashboard = await browser.NewPage(cluster.Silos[0].BaseAddress!);
        await dashboard.OpenAs(owner, $"#/p/{projectId}/settings/channels");
        var page = dashboard.Page;

        await page.GetByText("What the bots say").ClickAsync();
        await Expect(page.GetByLabel("Language", new() { Exact = true })).ToHaveValueAsync("en");
        await page.GetByLabel("Language", new() { Exact = true }).SelectOptionAsync("ru");
        var russian = page.GetByRole(AriaRole.Form, new() { Name = "Texts in Русский (ru)" });
        var greeting = russian.GetByLabel("Greeting (asks to describe the problem)");
        // The preview: the shipped Russian text, shown in the empty field and under it.
        await Expect(greeting).ToHaveAttributeAsync("placeholder", new System.Text.RegularExpressions.Regex("^Здравствуйте! Это поддержка"));

        await greeting.FillAsync("Привет от {project}! Номер: {nubmer}");
        await russian.GetByLabel("Ticket type “Billing”").FillAsync("Оплата");
        await russian.GetByRole(AriaRole.Button, new() { Name = "Save texts" }).ClickAsync();
        await Expect(greeting).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(russian.GetByRole(AriaRole.Alert).First).ToContainTextAsync("{nubmer}");

        await greeting.FillAsync("Привет от {project}!");
        await russian.GetByRole(AriaRole.Button, new() { Name = "Save texts" }).ClickAsync();
        await Expect(russian.GetByRole(AriaRole.Status)).ToHaveTextAsync("Saved.");
        var stored = await owner.Get($"/v1/projects/{projectId}/channels/texts/ru");
        Assert.Equal("Привет от {project}!", stored.GetProperty("own").GetProperty("greeting").GetString());
        Assert.Equal("Оплата", stored.GetProperty("ticket_types")[0].GetProperty("translation").GetString());
        Assert.Equal(typeId, stored.GetProperty("ticket_types")[0].GetProperty("id").GetGuid());

        await page.GetByRole(AriaRole.Button, new() { Name = "Make Русский (ru) the default" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Make Русский (ru) the default" })).ToHaveCountAsync(0);
        Assert.Equal("ru", (await owner.Get($"/v1/projects/{projectId}/channels/settings")).GetProperty("default_language").GetString());
        await dashboard.Screenshot("settings-bot-texts");
        Assert.Empty(dashboard.ScriptErrors);
    }
}
