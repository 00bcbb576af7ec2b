using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Zapnoty.Grains.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Zapnoty.Grains.Tests.Dashboard;

/// <summary>The Telegram staff group in Settings → Telegram &amp; Max, driven in headless Chromium.</summary>
[Collection(ClusterCollection.Name)]
public sealed class StaffGroupScreenTests(ClusterFixture cluster, BrowserFixture browser)
{
    [Fact]
    public async Task An_owner_gets_a_code_links_the_group_they_sent_it_in_and_sees_when_the_bot_is_removed_from_it()
    {
        var owner = await cluster.Api().LogInAs();
        var projectId = await owner.CreateProject();
        var bot = cluster.Telegram.AddBot();
        await owner.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/telegram", new { bot_token = bot.Token }, HttpStatusCode.OK);
        await using var dashboard = await browser.NewPage(cluster.Silos[0].BaseAddress!);
        // The card's first answer is held back: until it knows whether a group is linked it offers
        // nothing to press. (It used to show "Get my code" at once; the status then appeared above
        // it and moved it under a quick click, which landed beside it: the flaky "no code shown".)
        var groupKnown = new TaskCompletionSource();
        await dashboard.Page.RouteAsync("**/channels/telegram/staff-group", async route =>
        {
            await groupKnown.Task;
            await route.ContinueAsync();
        });
        await dashboard.OpenAs(owner, $"#/p/{projectId}/settings/channels");
        var card = dashboard.Page.GetByRole(AriaRole.Article, new() { Name = "Telegram staff group" });
        await Expect(card.GetByRole(AriaRole.Status)).ToHaveTextAsync("Loading…");
        await Expect(card.GetByRole(AriaRole.Button)).ToHaveCountAsync(0);
        groupKnown.SetResult();

        await card.GetByRole(AriaRole.Button, new() { Name = "Get my code" }).ClickAsync();
        var shown = card.GetByText(new Regex("^Your code:"));
        await Expect(shown).ToBeVisibleAsync();
        var code = Regex.Match(await shown.InnerTextAsync(), "Your code: ([A-Z0-9]{12})").Groups[1].Value;

        var group = TelegramGroup.New();
        var creator = TelegramCustomer.New("Alla", null, "alla_owner");
        cluster.Telegram.SetMemberStatus(group.Id, creator.Id, "creator");
        await SupportDesk.PostUpdate(cluster, bot, StaffGroupUpdates.Text(creator, group, null, $"/link {code}"));
        await cluster.Telegram.WaitForSent(s => s.Any(m => m.ChatId == group.Id && m.Text.StartsWith("Your Telegram account now answers as")));

        await card.GetByLabel("Code you sent in the group").FillAsync("WRONGCODE123");
        await card.GetByRole(AriaRole.Button, new() { Name = "Link the group" }).ClickAsync();
        await Expect(card.GetByRole(AriaRole.Alert).First).ToContainTextAsync("not one of yours");
        await card.GetByLabel("Code you sent in the group").FillAsync(code);
        await card.GetByRole(AriaRole.Button, new() { Name = "Link the group" }).ClickAsync();
        await Expect(card).ToContainTextAsync($"Linked {group.Title}");
        await dashboard.Screenshot("settings-staff-group");

        await SupportDesk.PostUpdate(cluster, bot, StaffGroupUpdates.BotMembership(creator, group, bot, "kicked"));
        await Poll.Eventually(async () =>
            (await owner.Get($"/v1/projects/{projectId}/channels/telegram/staff-group")).GetProperty("broken").GetBoolean());
        await dashboard.Page.ReloadAsync();
        await Expect(card.GetByRole(AriaRole.Alert)).ToContainTextAsync("The link is broken: The bot was removed from the group.");
        Assert.Empty(dashboard.ScriptErrors);
    }
}
