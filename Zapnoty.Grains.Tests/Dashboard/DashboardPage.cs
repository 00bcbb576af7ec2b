using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests.Dashboard;

/// <summary>
/// A page of the dashboard in its own browser context, with the ways in that every dashboard
/// test needs: logging in through the form, or arriving already logged in. Closing it closes the context.
/// </summary>
public sealed class DashboardPage(IPage page) : IAsyncDisposable
{
    private const string SessionKey = "zapnoty.session";
    private readonly List<string> _scriptErrors = Collect(page);

    public IPage Page { get; } = page;

    /// <summary>Uncaught script errors the page raised so far (a test expects none).</summary>
    public IReadOnlyList<string> ScriptErrors => _scriptErrors;

    /// <summary>Logs in through the login form, reading the emailed code from the fake SMTP server; ends on the project list.</summary>
    public async Task LogInThroughForm(FakeSmtpServer smtp, string email)
    {
        await Page.GotoAsync("/#/login");
        var before = smtp.CountTo(email);
        await Page.GetByLabel("Email").FillAsync(email);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Send code" }).ClickAsync();
        var code = await smtp.WaitForCode(email, before);
        await Page.GetByLabel("Code").FillAsync(code);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await Page.GetByRole(AriaRole.Heading, new() { Name = "Your projects" }).WaitForAsync();
    }

    /// <summary>Opens <paramref name="hash"/> (e.g. <c>#/p/{id}/tickets</c>) as the person whose session <paramref name="user"/> holds.</summary>
    public async Task OpenAs(ApiClient user, string hash)
    {
        await Page.GotoAsync("/#/login");
        await Page.EvaluateAsync("([key, token]) => localStorage.setItem(key, token)", new[] { SessionKey, user.Token });
        // Through a blank page, so the app starts anew with the session (a change of hash alone would not).
        await Page.GotoAsync("about:blank");
        await Page.GotoAsync("/" + hash);
    }

    /// <summary>Opens a project's Support tab as <paramref name="user"/> and waits for its ticket list.</summary>
    public async Task OpenSupport(ApiClient user, Guid projectId, Guid? ticketId = null)
    {
        await OpenAs(user, $"#/p/{projectId}/tickets" + (ticketId is { } id ? $"/{id}" : ""));
        try
        {
            await ListPane.WaitForAsync();
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"The Support tab did not show; script errors: [{string.Join("; ", ScriptErrors)}]", e);
        }
    }

    /// <summary>The open ticket, beside (or on a phone, above) the list.</summary>
    public ILocator TicketPane => Page.GetByRole(AriaRole.Region, new() { Name = "Ticket", Exact = true });

    /// <summary>The filters and the ticket list.</summary>
    public ILocator ListPane => Page.GetByRole(AriaRole.Region, new() { Name = "Tickets", Exact = true });

    /// <summary>The list's row of ticket number <paramref name="number"/>.</summary>
    public ILocator TicketRow(long number) => Page.Locator($"tr[data-ticket-number='{number}']");

    /// <summary>
    /// Saves a PNG of the page under TestResults/screenshots/, or under docs/screenshots/ (the
    /// README's pictures) when ZAPNOTY_SCREENSHOTS=docs: an ordinary run leaves the tree clean.
    /// </summary>
    public async Task Screenshot(string name)
    {
        var intoDocs = Environment.GetEnvironmentVariable("ZAPNOTY_SCREENSHOTS") == "docs";
        var folder = intoDocs
            ? RepositoryFiles.PathOf("docs", "screenshots")
            : RepositoryFiles.PathOf("TestResults", "screenshots");
        Directory.CreateDirectory(folder);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name + ".png"), FullPage = true });
    }

    private static List<string> Collect(IPage page)
    {
        var errors = new List<string>();
        page.PageError += (_, error) => { lock (errors) errors.Add(error); };
        return errors;
    }

    /// <summary>Text as a case-insensitive pattern, for Playwright's name and text matching.</summary>
    public static Regex Words(string text) => new(Regex.Escape(text), RegexOptions.IgnoreCase);

    public async ValueTask DisposeAsync() => await Page.Context.CloseAsync();
}
