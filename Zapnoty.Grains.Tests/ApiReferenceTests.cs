using System.Net;
using System.Text.RegularExpressions;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// The API reference page for integrators (Swagger UI at /swagger): served by the real silo
/// program when <c>Zapnoty:Swagger:Enabled</c> is true, absent when it is false (the test
/// cluster, as in production), and never loading anything from another origin. The OpenAPI
/// document is served either way.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed partial class ApiReferenceTests(ClusterFixture cluster)
{
    [Fact]
    public async Task The_reference_page_is_served_when_switched_on_and_absent_when_switched_off()
    {
        await using var on = await SiloProcess.Start(new Dictionary<string, string> { ["Zapnoty__Swagger__Enabled"] = "true" });
        using var onApi = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = on.Api };
        using var offApi = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = cluster.Silos[0].BaseAddress };

        using var page = await onApi.GetAsync("/swagger/index.html");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<title>Zapnoty Helpdesk API reference</title>", html);

        // Everything the page loads comes from the silo itself, and its policy allows nothing else.
        var assets = Asset().Matches(html).Select(m => m.Groups["url"].Value).ToList();
        Assert.NotEmpty(assets);
        foreach (var asset in assets)
        {
            Assert.False(asset.Contains("//", StringComparison.Ordinal), $"The reference page loads {asset} from another origin.");
            using var loaded = await onApi.GetAsync(new Uri(new Uri(on.Api, "/swagger/"), asset));
            Assert.True(loaded.StatusCode == HttpStatusCode.OK, $"{asset}: {(int)loaded.StatusCode}");
        }
        var policy = page.Headers.GetValues("Content-Security-Policy").Single();
        Assert.StartsWith("default-src 'self';", policy);
        Assert.DoesNotContain("http", policy);
        Assert.DoesNotContain("*", policy);
        Assert.DoesNotContain("script-src", policy);
        Assert.Equal("DENY", page.Headers.GetValues("X-Frame-Options").Single());

        // It shows the published contract, and sets no validatorUrl, so swagger-ui asks no online validator about it.
        using var settings = await onApi.GetAsync("/swagger/index.js");
        var config = ConfigObject().Match(await settings.Content.ReadAsStringAsync()).Groups["config"].Value;
        Assert.Contains("/swagger/v1/swagger.json", config);
        Assert.DoesNotContain("validatorUrl", config);

        using var redirect = await onApi.GetAsync("/swagger");
        Assert.True((int)redirect.StatusCode is >= 300 and < 400, $"/swagger answered {(int)redirect.StatusCode}");

        foreach (var path in new[] { "/swagger", "/swagger/index.html", "/swagger/index.js" })
        {
            using var absent = await offApi.GetAsync(path);
            Assert.True(absent.StatusCode == HttpStatusCode.NotFound, $"{path} switched off: {(int)absent.StatusCode}");
        }
        foreach (var api in new[] { onApi, offApi })
        {
            using var document = await api.GetAsync("/swagger/v1/swagger.json");
            Assert.Equal(HttpStatusCode.OK, document.StatusCode);
        }
    }

    [GeneratedRegex("""(?:src|href)="(?<url>[^"]+)""")]
    private static partial Regex Asset();

    [GeneratedRegex(@"var configObject = (?<config>.*?);\s*var oauthConfigObject", RegexOptions.Singleline)]
    private static partial Regex ConfigObject();
}
