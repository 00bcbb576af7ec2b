using Microsoft.Playwright;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests.Dashboard;

/// <summary>
/// One headless Debian Chromium for the whole run (started on first use, so tests that never
/// open a page pay nothing), a fresh browser context — own storage, own client IP — per page.
/// Playwright drives <c>/usr/bin/chromium</c> and never downloads a browser.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    // As this machine needs: no sandbox as root, no GPU, and nothing that reaches for the network.
    private static readonly string[] ChromiumArgs =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
    ];

    private readonly SemaphoreSlim _starting = new(1, 1);
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    /// <summary>Where the silo serves the built dashboard from in tests: <c>dashboard/</c> next to the test binaries.</summary>
    public static string DashboardFolder => Path.Combine(AppContext.BaseDirectory, "dashboard");

    public Task InitializeAsync()
    {
        // Polled screens (the list refreshes every few seconds) may take a beat to show a change.
        Assertions.SetDefaultExpectTimeout(15_000);
        return Task.CompletedTask;
    }

    /// <summary>
    /// A new page in a new context whose relative URLs go to <paramref name="silo"/> (a silo's API
    /// address, which serves the dashboard at "/"). Phone tests pass a small viewport.
    /// </summary>
    public async Task<DashboardPage> NewPage(Uri silo, int width = 1280, int height = 860)
    {
        var browser = await Browser();
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = silo.ToString().TrimEnd('/'),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            // Loopback is a trusted proxy: each context counts as its own client for the login limits.
            ExtraHTTPHeaders = new Dictionary<string, string> { ["X-Forwarded-For"] = ApiClient.RandomClientIp() },
            Locale = "en-GB",
            TimezoneId = "UTC",
        });
        context.SetDefaultTimeout(15_000);
        return new DashboardPage(await context.NewPageAsync());
    }

    private async Task<IBrowser> Browser()
    {
        await _starting.WaitAsync();
        try
        {
            if (_browser is not null) return _browser;
            // The dashboard tests test the built app: a missing build is a failure, not a skip.
            if (!File.Exists(Path.Combine(DashboardFolder, "index.html")))
                throw new InvalidOperationException($"The dashboard is not built: no {DashboardFolder}/index.html. Run scripts/test.sh, or `npm ci && npm run build` in dashboard/ and rebuild.");
            if (!File.Exists(ChromiumPath))
                throw new InvalidOperationException($"No Chromium at {ChromiumPath}: scripts/test.sh installs Debian's chromium (apt-get install chromium).");
            _playwright = await Playwright.CreateAsync();
            _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                Args = ChromiumArgs,
            });
            return _browser;
        }
        finally
        {
            _starting.Release();
        }
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null) await _browser.CloseAsync();
        _playwright?.Dispose();
        _starting.Dispose();
    }
}
