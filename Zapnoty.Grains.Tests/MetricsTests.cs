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

        // Anonymous, like Prometheus. The grains may live on either silo, so our counters are summed over both.
        var scrapes = new List<string>();
        foreach (var silo in cluster.Silos)
        {
            using var response = await silo.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
            scrapes.Add(await response.Content.ReadAsStringAsync());
        }

        Assert.True(Sum(scrapes, "zapnoty_tickets_created") >= 1, "zapnoty_tickets_created missing or zero");
        Assert.True(Sum(scrapes, "zapnoty_replies") >= 1, "zapnoty_replies missing or zero");
        Assert.Contains("channel=\"api\"", string.Join('\n', scrapes.SelectMany(s => s.Split('\n')).Where(l => l.StartsWith("zapnoty_replies", StringComparison.Ordinal))));
        Assert.Contains("http_server_request_duration_seconds", scrapes[0]);
    }

    /// <summary>The total of every sample of a metric (any suffix, any labels) in Prometheus text format.</summary>
    private static double Sum(IEnumerable<string> scrapes, string metric) =>
        scrapes.SelectMany(s => s.Split('\n'))
            .Where(line => line.StartsWith(metric, StringComparison.Ordinal))
            .Sum(line => double.Parse(SampleValue(line), CultureInfo.InvariantCulture));

    // "name{labels} value [timestamp]" or "name value [timestamp]".
    private static string SampleValue(string line)
    {
        var brace = line.LastIndexOf('}');
        var rest = brace >= 0 ? line[(brace + 1)..] : line[line.IndexOf(' ')..];
        return rest.Trim().Split(' ')[0];
    }
}
