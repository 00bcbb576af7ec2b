using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using Zapnoty.Grains.Calendars;
using Zapnoty.Grains.Tests.Calendars;
using Zapnoty.Grains.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Zapnoty.Grains.Tests.Dashboard;

/// <summary>The "Business hours" settings section in headless Chromium against the real cluster, checked through the API.</summary>
[Collection(ClusterCollection.Name)]
public sealed class BusinessHoursTests(ClusterFixture cluster, BrowserFixture browser)
{
    private static string Ics(string date, string summary) =>
        $"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//Team//EN\r\nBEGIN:VEVENT\r\nUID:{date}@test\r\nDTSTAMP:20261201T000000Z\r\n"
        + $"DTSTART;VALUE=DATE:{date.Replace("-", "")}\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

    private static string[] Dates(JsonElement calendar, string field) =>
        calendar.GetProperty(field).EnumerateArray().Select(d => d.GetString()!).ToArray();

    [Fact]
    public async Task An_admin_sets_a_split_week_holidays_an_ics_file_and_an_ical_url_and_sees_the_apis_refusals_and_the_last_fetch()
    {
        await using var feed = await CalendarFeedServer.Start();
        feed.Publish("official.ics", Ics("2027-05-10", "Victory Day (moved)"));
        feed.Fail("missing.ics", 404);
        var owner = await cluster.Api().LogInAs();
        var projectId = await owner.CreateProject();
        var path = $"/v1/projects/{projectId}/helpdesk/calendar";
        await using var dashboard = await browser.NewPage(cluster.Silos[0].BaseAddress!);
        var page = dashboard.Page;
        await dashboard.OpenAs(owner, $"#/p/{projectId}/settings/business-hours");
        var save = page.GetByRole(AriaRole.Button, new() { Name = "Save business hours" });
        await save.WaitForAsync();

        // A new calendar starts as Monday–Friday 09:00–18:00; Monday gets a lunch break, first mistyped.
        await page.GetByLabel("Time zone").SelectOptionAsync("Europe/Moscow");
        await page.GetByLabel("Monday period 1 to", new() { Exact = true }).FillAsync("13:00");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add a period on Monday" }).ClickAsync();
        await page.GetByLabel("Monday period 2 from", new() { Exact = true }).FillAsync("12:30");
        await page.GetByLabel("Monday period 2 to", new() { Exact = true }).FillAsync("18:00");
        await save.ClickAsync();
        await Expect(page.Locator(".week-day.invalid")).ToContainTextAsync("overlap");
        Assert.Equal(JsonValueKind.Null, (await owner.Get(path)).GetProperty("time_zone").ValueKind);

        await page.GetByLabel("Monday period 2 from", new() { Exact = true }).FillAsync("14:00");
        await page.GetByLabel("New holiday").FillAsync("2027-01-01");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add holiday" }).ClickAsync();
        await page.GetByLabel("New working day").FillAsync("2027-11-06");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add working day" }).ClickAsync();
        await page.GetByLabel("Published calendar (iCal URL)").FillAsync(feed.Url("official.ics"));
        await save.ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Saved." })).ToBeVisibleAsync();
        await Expect(page.Locator(".ical-state")).ToContainTextAsync("1 holiday and 0 working days imported");

        var saved = await owner.Get(path);
        Assert.Equal("Europe/Moscow", saved.GetProperty("time_zone").GetString());
        Assert.Equal("""[["09:00","13:00"],["14:00","18:00"]]""", saved.GetProperty("week").GetProperty("mon").GetRawText());
        Assert.Equal("""[["09:00","18:00"]]""", saved.GetProperty("week").GetProperty("fri").GetRawText());
        Assert.False(saved.GetProperty("week").TryGetProperty("sat", out _));
        Assert.Equal(["2027-01-01"], Dates(saved, "holidays"));
        Assert.Equal(["2027-11-06"], Dates(saved, "working_days"));
        Assert.Equal(["2027-05-10"], Dates(saved, "imported_holidays"));
        await dashboard.Screenshot("settings-business-hours");

        // An uploaded file adds to the team's own list, shown at once.
        await page.GetByLabel("Calendar file (.ics)").SetInputFilesAsync(new FilePayload
        {
            Name = "team.ics", MimeType = "text/calendar", Buffer = Encoding.UTF8.GetBytes(Ics("2027-03-08", "Women's Day")),
        });
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Imported team.ics" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Remove holiday 2027-03-08" })).ToBeVisibleAsync();
        Assert.Equal(["2027-01-01", "2027-03-08"], Dates(await owner.Get(path), "holidays"));

        // A URL the server cannot read is the API's 422, and nothing changes.
        await page.GetByLabel("Published calendar (iCal URL)").FillAsync(feed.Url("missing.ics"));
        await save.ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("404");
        Assert.Equal(feed.Url("official.ics"), (await owner.Get(path)).GetProperty("ical_url").GetString());

        // A failed daily refresh is shown with its reason; the last good dates stay.
        feed.Fail("official.ics", 503);
        await cluster.Grains.GetGrain<IProjectCalendarGrain>(projectId).RefreshIcal();
        await dashboard.OpenAs(owner, $"#/p/{projectId}/settings/business-hours");
        await Expect(page.Locator(".ical-state")).ToContainTextAsync("The last refresh failed");
        await Expect(page.Locator(".ical-state")).ToContainTextAsync("503");
        await Expect(page.Locator(".ical-state")).ToContainTextAsync("1 holiday and 0 working days imported");
        Assert.Empty(dashboard.ScriptErrors);
    }
}
