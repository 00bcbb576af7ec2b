using System.Net;
using System.Text.Json;
using Zapnoty.Grains.Audit;
using Zapnoty.Grains.Calendars;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests.Calendars;

[Collection(ClusterCollection.Name)]
public sealed class CalendarApiTests(ClusterFixture cluster)
{
    private static string Path(Guid projectId) => $"/v1/projects/{projectId}/helpdesk/calendar";

    private static object OfficeWeek(string zone = "Europe/Moscow") => new
    {
        time_zone = zone,
        week = new Dictionary<string, string[][]>
        {
            ["fri"] = [["14:00", "18:00"], ["09:00", "13:00"]],
            ["mon"] = [["09:00", "18:00"]],
        },
        holidays = new[] { "2027-01-07", "2027-01-01", "2027-01-01" },
        working_days = Array.Empty<string>(),
    };

    private const string RussianCalendar = """
        BEGIN:VCALENDAR
        VERSION:2.0
        PRODID:-//Test//Production calendar//RU
        BEGIN:VEVENT
        UID:new-year@test
        DTSTAMP:20261201T000000Z
        DTSTART;VALUE=DATE:20270101
        DTEND;VALUE=DATE:20270103
        SUMMARY:Новогодние каникулы
        END:VEVENT
        BEGIN:VEVENT
        UID:moved-saturday@test
        DTSTAMP:20261201T000000Z
        DTSTART;VALUE=DATE:20271106
        SUMMARY:Рабочий день (перенос с 8 ноября)
        END:VEVENT
        BEGIN:VEVENT
        UID:marked-by-category@test
        DTSTAMP:20261201T000000Z
        DTSTART;VALUE=DATE:20270515
        CATEGORIES:WORKING-DAY
        SUMMARY:Saturday shift
        END:VEVENT
        BEGIN:VEVENT
        UID:meeting@test
        DTSTAMP:20261201T000000Z
        DTSTART:20270110T100000Z
        DTEND:20270110T110000Z
        SUMMARY:A meeting, not a day off
        END:VEVENT
        END:VCALENDAR
        """;

    [Fact]
    public async Task An_admin_sets_the_calendar_and_the_team_reads_it_back_in_canonical_form_on_either_silo()
    {
        var owner = await cluster.Api(0).LogInAs();
        var projectId = await owner.CreateProject();

        var none = await owner.Get(Path(projectId));
        Assert.Equal(JsonValueKind.Null, none.GetProperty("time_zone").ValueKind);

        var saved = await owner.Call(HttpMethod.Put, Path(projectId), OfficeWeek(), HttpStatusCode.OK);
        var read = await cluster.Api(1).WithToken(owner.Token).Get(Path(projectId));
        foreach (var calendar in new[] { saved, read })
        {
            Assert.Equal("Europe/Moscow", calendar.GetProperty("time_zone").GetString());
            Assert.Equal("""[["09:00","13:00"],["14:00","18:00"]]""", calendar.GetProperty("week").GetProperty("fri").GetRawText());
            Assert.Equal(["2027-01-01", "2027-01-07"], calendar.GetProperty("holidays").EnumerateArray().Select(d => d.GetString()));
        }
    }

    [Fact]
    public async Task Unknown_zones_overlapping_periods_bad_dates_and_U_0000_are_refused_as_problems()
    {
        var owner = await cluster.Api(0).LogInAs();
        var projectId = await owner.CreateProject();
        var cases = new (object Body, string Field)[]
        {
            (new { time_zone = "Europe/Atlantis", week = new { mon = new[] { new[] { "09:00", "18:00" } } } }, "time_zone"),
            (new { time_zone = "Europe/Moscow\u0000", week = new { mon = new[] { new[] { "09:00", "18:00" } } } }, "time_zone"),
            (new { time_zone = "Europe/Moscow", week = new { mon = new[] { new[] { "09:00", "13:00" }, new[] { "12:30", "18:00" } } } }, "week.mon"),
            (new { time_zone = "Europe/Moscow", week = new { mon = new[] { new[] { "22:00", "02:00" } } } }, "week.mon"),
            (new { time_zone = "Europe/Moscow", week = new { mon = new[] { new[] { "09:00\u0000", "18:00" } } } }, "week.mon"),
            (new { time_zone = "Europe/Moscow", week = new { mon = new[] { new[] { "09:00" } } } }, "week.mon"),
            (new { time_zone = "Europe/Moscow", week = new { mon = new[] { new[] { "09:00", "18:00" } } }, holidays = new[] { "2027-02-30" } }, "holidays"),
            (new { time_zone = "Europe/Moscow", week = new { mon = new[] { new[] { "09:00", "18:00" } } }, ical_url = "file:///etc/passwd" }, "ical_url"),
        };
        foreach (var (body, field) in cases)
        {
            var problem = await owner.Call(HttpMethod.Put, Path(projectId), body, HttpStatusCode.BadRequest);
            // U+0000 is refused by the JSON reader before the calendar's rules, naming the element (week.mon[0][0]).
            Assert.True(problem.GetProperty("errors").EnumerateObject().Any(e => e.Name.StartsWith(field, StringComparison.Ordinal)), $"{field}: {problem}");
        }
        Assert.Equal(JsonValueKind.Null, (await owner.Get(Path(projectId))).GetProperty("time_zone").ValueKind);
    }

    [Fact]
    public async Task A_well_formed_week_without_any_working_time_is_refused_as_unprocessable_and_changes_nothing()
    {
        var owner = await cluster.Api(0).LogInAs();
        var projectId = await owner.CreateProject();
        var before = await owner.Call(HttpMethod.Put, Path(projectId), OfficeWeek(), HttpStatusCode.OK);

        foreach (var week in new object[] { new { }, new { sat = Array.Empty<string[]>(), sun = Array.Empty<string[]>() } })
        {
            var problem = await owner.Call(HttpMethod.Put, Path(projectId), new { time_zone = "Europe/Moscow", week }, HttpStatusCode.UnprocessableEntity);
            Assert.Contains("no working time", problem.GetProperty("detail").GetString());
        }
        Assert.Equal(before.GetRawText(), (await owner.Get(Path(projectId))).GetRawText());
    }

    [Fact]
    public async Task The_calendars_422_and_409_answers_are_problems_declared_in_the_openapi_document()
    {
        var document = JsonDocument.Parse(await cluster.Silos[0].GetStringAsync("/swagger/v1/swagger.json")).RootElement;
        var owner = await cluster.Api(0).LogInAs();
        var projectId = await owner.CreateProject();
        const string calendar = "/v1/projects/{projectId}/helpdesk/calendar";

        var answers = new List<(string Method, string Route, HttpResponseMessage Answer, HttpStatusCode Expected)>
        {
            ("get", calendar + "/preview", await owner.Send(HttpMethod.Get, $"{Path(projectId)}/preview?minutes=60"), HttpStatusCode.Conflict),
            ("put", calendar, await owner.Send(HttpMethod.Put, Path(projectId), new { time_zone = "Europe/Moscow", week = new { } }), HttpStatusCode.UnprocessableEntity),
            ("put", calendar, await owner.Send(HttpMethod.Put, Path(projectId),
                new { time_zone = "Europe/Moscow", week = new { mon = new[] { new[] { "09:00", "18:00" } } }, ical_url = "http://127.0.0.1:1/closed.ics" }), HttpStatusCode.UnprocessableEntity),
        };
        foreach (var (method, route, answer, expected) in answers)
        {
            using var disposed = answer;
            Assert.Equal(expected, answer.StatusCode);
            Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
            var responses = document.GetProperty("paths").GetProperty(route).GetProperty(method).GetProperty("responses");
            Assert.True(responses.TryGetProperty(((int)expected).ToString(System.Globalization.CultureInfo.InvariantCulture), out var declared), $"{method} {route} {(int)expected}");
            Assert.True(declared.GetProperty("content").TryGetProperty("application/problem+json", out _));
        }
    }

    [Fact]
    public async Task The_preview_says_when_a_span_of_business_time_ends_and_refuses_what_it_cannot_answer()
    {
        var owner = await cluster.Api(0).LogInAs();
        var projectId = await owner.CreateProject();
        var preview = $"{Path(projectId)}/preview";
        await owner.Call(HttpMethod.Get, $"{preview}?minutes=60", null, HttpStatusCode.Conflict);
        await owner.Call(HttpMethod.Put, Path(projectId), OfficeWeek(), HttpStatusCode.OK);

        // Friday 2027-01-08 17:55 in Moscow (14:55 UTC) + 1 business hour: Monday 09:55 (06:55 UTC).
        var friday = await cluster.Api(1).WithToken(owner.Token).Get($"{preview}?from=2027-01-08T14:55:00Z&minutes=60");
        Assert.Equal(new DateTimeOffset(2027, 1, 11, 6, 55, 0, TimeSpan.Zero), friday.GetProperty("ends_at").GetDateTimeOffset());
        Assert.Equal(60, friday.GetProperty("minutes").GetInt32());
        var zero = await owner.Get($"{preview}?from=2027-01-08T14:55:00Z&minutes=0");
        Assert.Equal(new DateTimeOffset(2027, 1, 8, 14, 55, 0, TimeSpan.Zero), zero.GetProperty("ends_at").GetDateTimeOffset());
        var now = DateTimeOffset.UtcNow;
        Assert.True((await owner.Get($"{preview}?minutes=1")).GetProperty("ends_at").GetDateTimeOffset() > now);

        foreach (var query in new[] { "", "?minutes=-1", "?minutes=many", "?minutes=60&from=friday", $"?minutes={366 * 24 * 60 + 1}" })
            await owner.Call(HttpMethod.Get, preview + query, null, HttpStatusCode.BadRequest);

        // Every Monday and Friday of two years a holiday: no working time to count in.
        var closed = Enumerable.Range(0, 800).Select(i => new DateOnly(2027, 1, 1).AddDays(i))
            .Where(d => d.DayOfWeek is DayOfWeek.Monday or DayOfWeek.Friday).Select(d => d.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        await owner.Call(HttpMethod.Put, Path(projectId), new { time_zone = "Europe/Moscow", week = new { mon = new[] { new[] { "09:00", "18:00" } }, fri = new[] { new[] { "09:00", "18:00" } } }, holidays = closed },
            HttpStatusCode.OK);
        var none = await owner.Call(HttpMethod.Get, $"{preview}?from=2027-01-01T00:00:00Z&minutes=60", null, HttpStatusCode.UnprocessableEntity);
        Assert.Contains("less than 60 minutes", none.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task An_ics_import_adds_its_all_day_holidays_and_the_working_Saturdays_it_marks()
    {
        var owner = await cluster.Api(0).LogInAs();
        var projectId = await owner.CreateProject();
        await owner.Call(HttpMethod.Put, $"{Path(projectId)}/ical", new { ics = RussianCalendar }, HttpStatusCode.Conflict);
        await owner.Call(HttpMethod.Put, Path(projectId), OfficeWeek(), HttpStatusCode.OK);

        var imported = await owner.Call(HttpMethod.Put, $"{Path(projectId)}/ical", new { ics = RussianCalendar }, HttpStatusCode.OK);
        // The two-day event covers both of its days (DTEND exclusive); the timed meeting is no holiday.
        Assert.Equal(["2027-01-01", "2027-01-02", "2027-01-07"], imported.GetProperty("holidays").EnumerateArray().Select(d => d.GetString()));
        Assert.Equal(["2027-05-15", "2027-11-06"], imported.GetProperty("working_days").EnumerateArray().Select(d => d.GetString()));
        Assert.Equal(imported.GetRawText(), (await cluster.Api(1).WithToken(owner.Token).Get(Path(projectId))).GetRawText());
    }

    [Fact]
    public async Task A_broken_or_oversized_ics_file_is_refused_and_changes_nothing()
    {
        var owner = await cluster.Api(0).LogInAs();
        var projectId = await owner.CreateProject();
        var before = await owner.Call(HttpMethod.Put, Path(projectId), OfficeWeek(), HttpStatusCode.OK);

        foreach (var broken in new[] { "this is not a calendar", "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:2027xx01\nEND:VEVENT\nEND:VCALENDAR", "BEGIN:VCALENDAR\u0000", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n" })
        {
            var problem = await owner.Call(HttpMethod.Put, $"{Path(projectId)}/ical", new { ics = broken }, HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").EnumerateObject().Any(e => e.Name.StartsWith("ics", StringComparison.Ordinal)), $"{broken}: {problem}");
        }
        var huge = "BEGIN:VCALENDAR\r\n" + string.Concat(Enumerable.Repeat("X-FILLER:" + new string('a', 1000) + "\r\n", 300)) + "END:VCALENDAR\r\n";
        await owner.Call(HttpMethod.Put, $"{Path(projectId)}/ical", new { ics = huge }, HttpStatusCode.RequestEntityTooLarge);

        Assert.Equal(before.GetRawText(), (await owner.Get(Path(projectId))).GetRawText());
    }

    [Fact]
    public async Task A_stored_calendar_reads_back_the_same_after_the_grain_is_gone()
    {
        var owner = await cluster.Api(0).LogInAs();
        var projectId = await owner.CreateProject();
        var store = new CalendarStore(cluster.Database);
        var calendar = CalendarRules.Normalize(new ProjectCalendar("America/New_York",
            [new("sat", "20:00", "24:00"), new("mon", "09:00", "13:00"), new("mon", "14:00", "18:00")], ["2027-07-05"], ["2027-11-06"], "https://example.com/holidays.ics"));
        await store.Save(projectId, calendar, new AuditEntry(DateTimeOffset.UtcNow, Actor.System, ProjectCalendarGrain.AuditChanged, null), CancellationToken.None);

        var loaded = await store.Load(projectId, CancellationToken.None);
        Assert.NotNull(loaded);
        Assert.Equal(calendar.TimeZone, loaded.TimeZone);
        Assert.Equal(calendar.Week, loaded.Week);
        Assert.Equal(calendar.Holidays, loaded.Holidays);
        Assert.Equal(calendar.WorkingDays, loaded.WorkingDays);
        Assert.Equal(calendar.IcalUrl, loaded.IcalUrl);
    }
}
