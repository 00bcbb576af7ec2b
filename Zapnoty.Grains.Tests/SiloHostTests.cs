using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Zapnoty.Grains.Tests.Infrastructure;
using Zapnoty.Silo;

namespace Zapnoty.Grains.Tests;

/// <summary>One real silo process with the settings an operator sets for JSON logs, nothing else.</summary>
public sealed class JsonLoggingSilo : IAsyncLifetime
{
    public SiloProcess Silo { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Silo = await SiloProcess.Start(new Dictionary<string, string> { ["Logging__Console__FormatterName"] = "json" });

    public Task DisposeAsync() => Silo.DisposeAsync().AsTask();
}

/// <summary>What the real host decides: log format, listeners, the Orleans Dashboard.</summary>
public sealed class SiloHostTests(JsonLoggingSilo defaults) : IClassFixture<JsonLoggingSilo>
{
    [Fact]
    public void Json_console_formatter_writes_every_log_entry_as_one_json_object()
    {
        var lines = defaults.Silo.Output.Where(line => line.Length > 0).ToList();
        Assert.NotEmpty(lines);
        var entries = lines.Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.All(entries, entry =>
        {
            Assert.Equal(JsonValueKind.Number, entry.GetProperty("EventId").ValueKind);
            Assert.False(string.IsNullOrEmpty(entry.GetProperty("LogLevel").GetString()));
            Assert.False(string.IsNullOrEmpty(entry.GetProperty("Category").GetString()));
            // A field named twice parses here but is lost or refused by many log collectors.
            var fields = entry.GetProperty("State").EnumerateObject().Select(p => p.Name).ToList();
            Assert.Equal(fields.Count, fields.Distinct().Count());
        });
        // Structured: the URL is a field of its own, not only text inside the message.
        var started = Assert.Single(entries, e => e.GetProperty("Message").GetString()!.StartsWith("Zapnoty Helpdesk API on", StringComparison.Ordinal));
        Assert.Equal(defaults.Silo.Api.ToString().TrimEnd('/'), started.GetProperty("State").GetProperty("Url").GetString());
    }

    [Fact]
    public async Task Orleans_dashboard_is_off_by_default()
    {
        using var http = new HttpClient { BaseAddress = defaults.Silo.Api };
        using var page = await http.GetAsync($"{OrleansDashboardHosting.RoutePrefix}/");
        using var counters = await http.GetAsync($"{OrleansDashboardHosting.RoutePrefix}/DashboardCounters");

        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, counters.StatusCode);
        Assert.DoesNotContain(defaults.Silo.Output, line => line.Contains("Orleans Dashboard on", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Orleans_dashboard_answers_only_on_its_own_port_and_only_with_the_password()
    {
        var port = SiloProcess.FreePort();
        await using var silo = await SiloProcess.Start(new Dictionary<string, string>
        {
            ["Zapnoty__Dashboard__Orleans__Port"] = port.ToString(),
            ["Zapnoty__Dashboard__Orleans__Password"] = "s3cret-for-tests",
        });
        using var dashboard = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        using var api = new HttpClient { BaseAddress = silo.Api };
        var operatorLogin = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("operator:s3cret-for-tests")));
        var wrongLogin = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("operator:guess")));
        var page = $"{OrleansDashboardHosting.RoutePrefix}/";
        var counters = $"{OrleansDashboardHosting.RoutePrefix}/DashboardCounters";

        using (var anonymous = await dashboard.GetAsync(page))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Equal("Basic", anonymous.Headers.WwwAuthenticate.Single().Scheme);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(dashboard, page, wrongLogin)).StatusCode);

        using (var html = await Send(dashboard, page, operatorLogin))
        {
            Assert.Equal(HttpStatusCode.OK, html.StatusCode);
            Assert.Equal("text/html", html.Content.Headers.ContentType?.MediaType);
        }
        // The dashboard grain collects from every silo; its first answer can take a moment.
        await Poll.Eventually(async () =>
        {
            using var answer = await Send(dashboard, counters, operatorLogin);
            return answer.StatusCode == HttpStatusCode.OK
                && JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement.GetProperty("totalActiveHostCount").GetInt32() == 1;
        }, seconds: 30);

        // Never on the API port, even with the password and a Host header naming the dashboard's port.
        using var throughApi = new HttpRequestMessage(HttpMethod.Get, page) { Headers = { Authorization = operatorLogin, Host = $"127.0.0.1:{port}" } };
        Assert.Equal(HttpStatusCode.NotFound, (await api.SendAsync(throughApi)).StatusCode);
    }

    private static Task<HttpResponseMessage> Send(HttpClient http, string path, AuthenticationHeaderValue login) =>
        http.SendAsync(new HttpRequestMessage(HttpMethod.Get, path) { Headers = { Authorization = login } });
}
