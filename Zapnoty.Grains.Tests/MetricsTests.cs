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

        // Anonymous, like Prometheus.
        using var response = await cluster.Silos[0].GetAsync("/metrics");
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
        foreach (var silo in cluster.Silos) scrapes.Add(await silo.GetStringAsync("/metrics"));
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
