using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Npgsql;
using Zapnoty.Grains.Calendars;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests.Calendars;

/// <summary>
/// A calendar with an <c>ical_url</c>, through the API of the real cluster (private targets are
/// allowed there, so the published calendar is a server on 127.0.0.1).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class IcalUrlTests(ClusterFixture cluster) : IAsyncLifetime
{
    private CalendarFeedServer _feed = null!;

    public async Task InitializeAsync() => _feed = await CalendarFeedServer.Start();

    public async Task DisposeAsync() => await _feed.DisposeAsync();

    private static string Path(Guid projectId) => $"/v1/projects/{projectId}/helpdesk/calendar";

    private static object Calendar(string? icalUrl, string[]? holidays = null, string[]? workingDays = null, string end = "18:00") => new
    {
        time_zone = "Europe/Moscow",
        week = new { mon = new[] { new[] { "09:00", end } }, tue = new[] { new[] { "09:00", end } }, fri = new[] { new[] { "09:00", end } } },
        holidays = holidays ?? [],
        working_days = workingDays ?? [],
        ical_url = icalUrl,
    };

    /// <summary>An official calendar: the listed dates as holidays, and one moved working Saturday.</summary>
    private static string Feed(params string[] holidays) =>
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//Official//RU\r\n"
        + string.Concat(holidays.Select(d => $"BEGIN:VEVENT\r\nUID:{d}@test\r\nDTSTAMP:20261201T000000Z\r\nDTSTART;VALUE=DATE:{d.Replace("-", "")}\r\nSUMMARY:Holiday\r\nEND:VEVENT\r\n"))
        + "BEGIN:VEVENT\r\nUID:saturday@test\r\nDTSTAMP:20261201T000000Z\r\nDTSTART;VALUE=DATE:20271106\r\nSUMMARY:Рабочий день\r\nEND:VEVENT\r\n"
        + "END:VCALENDAR\r\n";

    private static string[] Dates(JsonElement calendar, string field) =>
        calendar.GetProperty(field).EnumerateArray().Select(d => d.GetString()!).ToArray();

    private async Task<long> Reminders(Guid projectId)
    {
        await using var command = cluster.Database.CreateCommand(
            "SELECT count(*) FROM orleansreminderstable WHERE remindername = $1 AND grainid LIKE '%' || $2");
        command.Parameters.Add(new NpgsqlParameter { Value = ProjectCalendarGrain.IcalReminder });
        command.Parameters.Add(new NpgsqlParameter { Value = projectId.ToString("N") });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<(ApiClient Owner, Guid ProjectId)> Project()
    {
        var owner = await cluster.Api(0).LogInAs();
        return (owner, await owner.CreateProject());
    }

    [Fact]
    public async Task Setting_an_ical_url_imports_its_dates_apart_from_the_teams_own_and_schedules_a_daily_refresh()
    {
        var (owner, projectId) = await Project();
        _feed.Publish("ru.ics", Feed("2027-05-10", "2027-06-14"));

        var saved = await owner.Call(HttpMethod.Put, Path(projectId), Calendar(_feed.Url("ru.ics"), holidays: ["2027-12-31"], workingDays: ["2027-06-14"]), HttpStatusCode.OK);

        Assert.Equal(["2027-12-31"], Dates(saved, "holidays"));
        Assert.Equal(["2027-06-14"], Dates(saved, "working_days"));
        Assert.Equal(["2027-05-10", "2027-06-14"], Dates(saved, "imported_holidays"));
        Assert.Equal(["2027-11-06"], Dates(saved, "imported_working_days"));
        Assert.Equal(JsonValueKind.String, saved.GetProperty("ical_last_fetched_at").ValueKind);
        Assert.Equal(JsonValueKind.Null, saved.GetProperty("ical_error").ValueKind);
        Assert.Equal(saved.GetRawText(), (await cluster.Api(1).WithToken(owner.Token).Get(Path(projectId))).GetRawText());
        Assert.Equal(1L, await Reminders(projectId));

        // A private calendar's address is a secret: members below admin see the dates, not the URL.
        var viewerEmail = $"viewer-{Guid.NewGuid():N}@example.com";
        await owner.Post($"/v1/projects/{projectId}/members", new { email = viewerEmail, role = "viewer" });
        var seenByViewer = await (await cluster.Api(1).LogInAs(viewerEmail)).Get(Path(projectId));
        Assert.Equal(JsonValueKind.Null, seenByViewer.GetProperty("ical_url").ValueKind);
        Assert.Equal(["2027-05-10", "2027-06-14"], Dates(seenByViewer, "imported_holidays"));

        // Imported holiday Monday 2027-05-10 is skipped: Friday 17:55 + 1 business hour is Tuesday 09:55 (Moscow, UTC+3).
        var preview = await owner.Get($"{Path(projectId)}/preview?from=2027-05-07T14:55:00Z&minutes=60");
        Assert.Equal(new DateTimeOffset(2027, 5, 11, 6, 55, 0, TimeSpan.Zero), preview.GetProperty("ends_at").GetDateTimeOffset());
        // The team's own working day wins over the imported holiday on Monday 2027-06-14.
        preview = await owner.Get($"{Path(projectId)}/preview?from=2027-06-11T14:55:00Z&minutes=60");
        Assert.Equal(new DateTimeOffset(2027, 6, 14, 6, 55, 0, TimeSpan.Zero), preview.GetProperty("ends_at").GetDateTimeOffset());
    }

    [Fact]
    public async Task A_refresh_replaces_only_the_imported_dates_and_a_failed_one_keeps_them_and_shows_the_error()
    {
        var (owner, projectId) = await Project();
        _feed.Publish("feed.ics", Feed("2027-05-10"));
        var first = await owner.Call(HttpMethod.Put, Path(projectId), Calendar(_feed.Url("feed.ics"), holidays: ["2027-12-31"]), HttpStatusCode.OK);
        var grain = cluster.Grains.GetGrain<IProjectCalendarGrain>(projectId);

        _feed.Publish("feed.ics", Feed("2028-01-03"));
        await grain.RefreshIcal();
        var refreshed = await owner.Get(Path(projectId));
        Assert.Equal(["2028-01-03"], Dates(refreshed, "imported_holidays"));
        Assert.Equal(["2027-12-31"], Dates(refreshed, "holidays"));
        Assert.True(refreshed.GetProperty("ical_last_fetched_at").GetDateTimeOffset() >= first.GetProperty("ical_last_fetched_at").GetDateTimeOffset());

        _feed.Fail("feed.ics", 503);
        await grain.RefreshIcal();
        var failed = await cluster.Api(1).WithToken(owner.Token).Get(Path(projectId));
        Assert.Equal(["2028-01-03"], Dates(failed, "imported_holidays"));
        Assert.Contains("503", failed.GetProperty("ical_error").GetString());
        Assert.Equal(JsonValueKind.String, failed.GetProperty("ical_failed_at").ValueKind);
        Assert.Equal(refreshed.GetProperty("ical_last_fetched_at").GetRawText(), failed.GetProperty("ical_last_fetched_at").GetRawText());

        // Saving the week with the same URL does not fetch again, so the failing server does not block it.
        var requests = _feed.Requests("feed.ics");
        var edited = await owner.Call(HttpMethod.Put, Path(projectId), Calendar(_feed.Url("feed.ics"), holidays: ["2027-12-31"], end: "17:00"), HttpStatusCode.OK);
        Assert.Equal(requests, _feed.Requests("feed.ics"));
        Assert.Equal(["2028-01-03"], Dates(edited, "imported_holidays"));

        _feed.Publish("feed.ics", Feed("2028-01-03"));
        await grain.RefreshIcal();
        Assert.Equal(JsonValueKind.Null, (await owner.Get(Path(projectId))).GetProperty("ical_error").ValueKind);
    }

    [Fact]
    public async Task A_new_ical_url_that_cannot_be_fetched_or_read_is_refused_as_unprocessable_and_nothing_is_saved()
    {
        var (owner, projectId) = await Project();
        var before = await owner.Call(HttpMethod.Put, Path(projectId), Calendar(null), HttpStatusCode.OK);
        _feed.Publish("garbage.ics", "<html>Not found, but with 200</html>");
        _feed.Fail("missing.ics", 404);
        _feed.PublishEndless("huge.ics", 8 * 1024 * 1024);
        var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var closedPort = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();

        foreach (var (url, says) in new[]
        {
            (_feed.Url("garbage.ics"), "not an iCalendar file"),
            (_feed.Url("missing.ics"), "404"),
            (_feed.Url("huge.ics"), "larger than 1 MB"),
            ($"http://127.0.0.1:{closedPort}/holidays.ics", "could not be fetched"),
        })
        {
            var problem = await owner.Call(HttpMethod.Put, Path(projectId), Calendar(url), HttpStatusCode.UnprocessableEntity);
            Assert.Contains(says, problem.GetProperty("detail").GetString());
            Assert.DoesNotContain(url, problem.GetProperty("detail").GetString());
        }
        Assert.Equal(before.GetRawText(), (await owner.Get(Path(projectId))).GetRawText());
        Assert.Equal(0L, await Reminders(projectId));
    }

    [Fact]
    public async Task Clearing_the_ical_url_drops_the_imported_dates_and_the_daily_refresh()
    {
        var (owner, projectId) = await Project();
        _feed.Publish("clear.ics", Feed("2027-05-10"));
        await owner.Call(HttpMethod.Put, Path(projectId), Calendar(_feed.Url("clear.ics")), HttpStatusCode.OK);
        Assert.Equal(1L, await Reminders(projectId));

        var cleared = await owner.Call(HttpMethod.Put, Path(projectId), Calendar(null, holidays: ["2027-12-31"]), HttpStatusCode.OK);

        Assert.Empty(Dates(cleared, "imported_holidays"));
        Assert.Empty(Dates(cleared, "imported_working_days"));
        Assert.Equal(JsonValueKind.Null, cleared.GetProperty("ical_last_fetched_at").ValueKind);
        Assert.Equal(["2027-12-31"], Dates(cleared, "holidays"));
        Assert.Equal(0L, await Reminders(projectId));
    }
}
