using System.Globalization;
using System.Net;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class MetricsTests(ClusterFixture cluster)
{
    [Fact]
    public async Task Metrics_endpoint_serves_our_counters_and_aspnetcore_metrics_to_prometheus()
    {
        var agent = await cluster.Api(0).LogInAs();
        var projectId = await agent.CreateProject();
        var ticket = await agent.CreateTicket(projectId);
        await agent.Post($"/v1/helpdesk/tickets/{ticket.GetProperty("id").GetGuid()}/replies", new { text = "On its way" });

        // Anonymous, like Prometheus, on the silo's internal metrics port.
        using var metrics = new HttpClient { BaseAddress = cluster.MetricsAddress(0) };
        using var response = await metrics.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);

        // The grains may live on either silo, so our counters are summed over both; and the exporter
        // may answer from its short response cache, so the counts can lag a scrape behind.
        await UntilScraped(scrapes =>
            Sum(scrapes, "zapnoty_tickets_created") >= 1 &&
            Sum(scrapes, "zapnoty_replies", "channel=\"api\"") >= 1 &&
            // Our own API's requests, not those of other hosts sharing the test process.
            Sum(scrapes.Take(1), "http_server_request_duration_seconds_count", "http_route=\"/v1/") >= 1);
    }

    [Theory]
    [InlineData("/metrics")]
    [InlineData("/METRICS")]
    [InlineData("/metrics/")]
    [InlineData("/Metrics?x=1")]
    public async Task The_public_api_port_never_serves_metrics_in_any_spelling(string path)
    {
        foreach (var silo in cluster.Silos)
        {
            using var response = await silo.GetAsync(path);
            var body = await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.DoesNotContain("# TYPE", body);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task The_metrics_port_answers_nothing_but_the_scrape()
    {
        using var metrics = new HttpClient { BaseAddress = cluster.MetricsAddress(1) };
        using var api = await metrics.GetAsync("/v1/projects");
        Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
        using var health = await metrics.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.NotFound, health.StatusCode);
        Assert.Contains("# TYPE", await metrics.GetStringAsync("/metrics"));
    }

    [Fact]
    public async Task Webhook_deliveries_are_counted_by_outcome()
    {
        await using var receiver = await WebhookReceiver.Start();
        var answered = 0;
        receiver.Answer = _ => Interlocked.Increment(ref answered) == 1 ? 500 : 200;
        var agent = await cluster.Api(0).LogInAs();
        var projectId = await agent.CreateProject();
        await agent.Post($"/v1/projects/{projectId}/webhooks", new { url = receiver.Url(), events = new[] { "ticket.created" } });
        var before = await Scrape();
        var retriesBefore = Sum(before, "zapnoty_webhook_deliveries", "outcome=\"retry\"");
        var deliveredBefore = Sum(before, "zapnoty_webhook_deliveries", "outcome=\"delivered\"");

        await agent.CreateTicket(projectId);

        // Counted once the attempt is stored, a moment after the receiver answered.
        await UntilScraped(scrapes =>
            Sum(scrapes, "zapnoty_webhook_deliveries", "outcome=\"retry\"") > retriesBefore &&
            Sum(scrapes, "zapnoty_webhook_deliveries", "outcome=\"delivered\"") > deliveredBefore);
    }

    private async Task UntilScraped(Func<IReadOnlyList<string>, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!condition(await Scrape()))
        {
            Assert.True(DateTime.UtcNow < deadline, "The scrapes never showed the expected counts.");
            await Task.Delay(200);
        }
    }

    private async Task<List<string>> Scrape()
    {
        var scrapes = new List<string>();
        for (var silo = 0; silo < cluster.Silos.Count; silo++)
        {
            using var metrics = new HttpClient { BaseAddress = cluster.MetricsAddress(silo) };
            scrapes.Add(await metrics.GetStringAsync("/metrics"));
        }
        return scrapes;
    }

    /// <summary>The total of every sample of a metric (any suffix, any labels) in Prometheus text format.</summary>
    private static double Sum(IEnumerable<string> scrapes, string metric, string label = "") =>
        scrapes.SelectMany(s => s.Split('\n'))
            .Where(line => line.StartsWith(metric, StringComparison.Ordinal) && line.Contains(label, StringComparison.Ordinal))
            .Sum(line => double.Parse(SampleValue(line), CultureInfo.InvariantCulture));

    // "name{labels} value [timestamp]" or "name value [timestamp]".
    private static string SampleValue(string line)
    {
        var brace = line.LastIndexOf('}');
        var rest = brace >= 0 ? line[(brace + 1)..] : line[line.IndexOf(' ')..];
        return rest.Trim().Split(' ')[0];
    }
}
