using System.Collections.Concurrent;
using Microsoft.Playwright;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests.Dashboard;

/// <summary>
/// Ids in a dashboard link go into API paths. A crafted link must not steer those calls to
/// another endpoint (client-side path traversal): only UUIDs are ids, and every id is encoded
/// as one path segment.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class CraftedLinkTests(ClusterFixture cluster, BrowserFixture browser)
{
    [Theory]
    [InlineData("#/p/{p}/tickets/..%2F..%2Fprojects%2F{p}%2Fapi-keys")]
    [InlineData("#/p/{p}%2F..%2F..%2Fprojects%2F{p}%2Fapi-keys/tickets")]
    [InlineData("#/p/{p}/tickets/..")]
    [InlineData("#/p/{p}/settings/..%2F..%2Fapi-keys")]
    public async Task A_crafted_link_sends_no_request_to_another_endpoint(string crafted)
    {
        var owner = await cluster.Api().LogInAs();
        var projectId = await owner.CreateProject();
        await using var dashboard = await browser.NewPage(cluster.Silos[0].BaseAddress!);
        var requests = new ConcurrentQueue<string>();
        dashboard.Page.Request += (_, request) => requests.Enqueue($"{request.Method} {new Uri(request.Url).AbsolutePath}");

        await dashboard.OpenAs(owner, crafted.Replace("{p}", projectId.ToString()));
        // The support tab keeps its event stream open, so the network never goes idle: wait for
        // the app's first API calls, then long enough for any call a crafted link could cause.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!requests.Any(r => r.Contains(" /v1/", StringComparison.Ordinal)) && DateTime.UtcNow < deadline) await Task.Delay(50);
        await Task.Delay(1000);

        var api = requests.Where(r => r.Contains(" /v1/", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(api);   // the app did start and call the API
        Assert.False(api.Any(r => r.EndsWith("/api-keys", StringComparison.Ordinal)), "requests: " + string.Join(", ", api));
        Assert.DoesNotContain(api, r => r.Contains("..", StringComparison.Ordinal) || r.Contains("%2F", StringComparison.OrdinalIgnoreCase));
        Assert.All(api.Where(r => r.Contains("/v1/helpdesk/tickets/", StringComparison.Ordinal)),
            r => Assert.Matches("/v1/helpdesk/tickets/[0-9a-f-]{36}(/|$)", r));
        Assert.Empty(dashboard.ScriptErrors);
    }
}
