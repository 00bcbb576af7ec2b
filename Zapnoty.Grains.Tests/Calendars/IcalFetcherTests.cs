using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Zapnoty.Grains.Calendars;
using Zapnoty.Grains.Webhooks;

namespace Zapnoty.Grains.Tests.Calendars;

/// <summary>
/// The fetch of a published calendar (<c>ical_url</c>) and its guard, against a real HTTP
/// server on 127.0.0.1. Where the guard must let the first hop through, 127.0.0.1 stands in
/// for the public internet (the fetcher given that address check) and every other loopback or
/// private address stays refused, as with <c>AllowPrivateTargets</c> off.
/// </summary>
public sealed class IcalFetcherTests : IAsyncLifetime
{
    public const string Holidays = """
        BEGIN:VCALENDAR
        VERSION:2.0
        PRODID:-//Test//Feed//EN
        BEGIN:VEVENT
        UID:victory-day@test
        DTSTAMP:20261201T000000Z
        DTSTART;VALUE=DATE:20270510
        SUMMARY:Victory Day (moved)
        END:VEVENT
        END:VCALENDAR
        """;

    private CalendarFeedServer _server = null!;

    public async Task InitializeAsync() => _server = await CalendarFeedServer.Start();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    /// <summary>127.0.0.1 plays a public server; every other non-public address is refused.</summary>
    private static IcalFetcher PublicLoopback(TimeSpan? timeout = null) =>
        new(a => a.Equals(IPAddress.Loopback) || WebhookTargets.IsPublic(a), allowPlainHttp: true, timeout ?? TimeSpan.FromSeconds(5));

    private static async Task<string> Refusal(Task fetch)
    {
        var refused = await Assert.ThrowsAsync<DomainException>(() => fetch);
        Assert.Equal(DomainErrorKind.Unprocessable, refused.Kind);
        Assert.Equal("ical_url", refused.Field);
        return refused.Message;
    }

    [Fact]
    public async Task A_published_calendar_is_fetched_and_read_with_its_dates_from_a_year_back()
    {
        _server.Publish("ru.ics", Holidays.Replace("END:VCALENDAR", """
            BEGIN:VEVENT
            UID:old@test
            DTSTAMP:20261201T000000Z
            DTSTART;VALUE=DATE:20150101
            SUMMARY:A holiday of long ago
            END:VEVENT
            BEGIN:VEVENT
            UID:saturday@test
            DTSTAMP:20261201T000000Z
            DTSTART;VALUE=DATE:20271106
            SUMMARY:Рабочий день
            END:VEVENT
            END:VCALENDAR
            """));
        using var fetcher = PublicLoopback();

        var dates = await IcalFeed.Read(fetcher, _server.Url("ru.ics"), new DateTimeOffset(2026, 12, 7, 0, 0, 0, TimeSpan.Zero), CancellationToken.None);

        Assert.Equal(["2027-05-10"], dates.Holidays);
        Assert.Equal(["2027-11-06"], dates.WorkingDays);
    }

    [Fact]
    public async Task With_private_targets_not_allowed_a_loopback_calendar_is_refused_before_any_request()
    {
        using var guarded = new IcalFetcher(Options.Create(new WebhookOptions { AllowPrivateTargets = false }));
        _server.Publish("ru.ics", Holidays);

        Assert.Contains("https://", await Refusal(guarded.Fetch(_server.Url("ru.ics"), CancellationToken.None)));
        // Over https the scheme passes, and the connection itself is refused: TLS never starts.
        Assert.Contains("no public address", await Refusal(guarded.Fetch(_server.Url("ru.ics").Replace("http://", "https://"), CancellationToken.None)));
        Assert.Equal(0, _server.Requests("ru.ics"));
    }

    [Fact]
    public async Task A_redirect_to_a_private_or_loopback_address_is_refused_without_connecting_there()
    {
        var inside = new TcpListener(IPAddress.Parse("127.0.0.2"), 0);
        inside.Start();
        try
        {
            var port = ((IPEndPoint)inside.LocalEndpoint).Port;
            _server.Redirect("to-loopback.ics", $"http://127.0.0.2:{port}/holidays.ics");
            _server.Redirect("to-metadata.ics", "http://169.254.169.254/latest/meta-data/");
            _server.Redirect("to-private.ics", "http://10.0.0.1/holidays.ics");
            using var fetcher = PublicLoopback();

            foreach (var path in new[] { "to-loopback.ics", "to-metadata.ics", "to-private.ics" })
                Assert.Contains("no public address", await Refusal(fetcher.Fetch(_server.Url(path), CancellationToken.None)));

            Assert.False(inside.Pending());
            Assert.Equal(1, _server.Requests("to-loopback.ics"));
        }
        finally
        {
            inside.Stop();
        }
    }

    [Fact]
    public async Task A_redirect_within_the_allowed_addresses_is_followed_and_a_loop_is_given_up()
    {
        _server.Publish("2027.ics", Holidays);
        _server.Redirect("latest.ics", "/2027.ics");
        _server.Redirect("loop.ics", "/loop.ics");
        using var fetcher = PublicLoopback();

        Assert.Contains("20270510", await fetcher.Fetch(_server.Url("latest.ics"), CancellationToken.None));
        Assert.Contains("redirects more than", await Refusal(fetcher.Fetch(_server.Url("loop.ics"), CancellationToken.None)));
        Assert.Equal(IcalFetcher.MaxRedirects + 1, _server.Requests("loop.ics"));
    }

    [Fact]
    public async Task Garbage_an_error_status_and_a_body_past_one_megabyte_are_refused_with_what_went_wrong()
    {
        _server.Publish("garbage.ics", "<html><body>Moved to our new site!</body></html>");
        _server.Fail("gone.ics", 404);
        _server.PublishEndless("huge.ics", 64 * 1024 * 1024);
        using var fetcher = PublicLoopback();
        var now = DateTimeOffset.UtcNow;

        Assert.Contains("BEGIN:VCALENDAR", await Refusal(IcalFeed.Read(fetcher, _server.Url("garbage.ics"), now, CancellationToken.None)));
        Assert.Contains("404", await Refusal(IcalFeed.Read(fetcher, _server.Url("gone.ics"), now, CancellationToken.None)));
        Assert.Contains("larger than 1 MB", await Refusal(IcalFeed.Read(fetcher, _server.Url("huge.ics"), now, CancellationToken.None)));
    }

    [Fact]
    public async Task A_server_that_never_answers_is_given_up_at_the_deadline()
    {
        await using var tarpit = Infrastructure.TarpitReceiver.Start();
        using var fetcher = PublicLoopback(TimeSpan.FromSeconds(1));
        var watch = System.Diagnostics.Stopwatch.StartNew();

        Assert.Contains("within 1 s", await Refusal(fetcher.Fetch(tarpit.Url("holidays.ics"), CancellationToken.None)));
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(5));
    }
}
