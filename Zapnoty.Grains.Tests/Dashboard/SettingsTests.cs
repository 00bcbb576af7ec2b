using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Zapnoty.Grains.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Zapnoty.Grains.Tests.Dashboard;

/// <summary>The settings screens driven in headless Chromium against the real cluster, checked through the API.</summary>
[Collection(ClusterCollection.Name)]
public sealed class SettingsTests(ClusterFixture cluster, BrowserFixture browser)
{
    [Fact]
    public async Task Owner_sets_sla_hours_and_adds_a_ticket_type_and_invalid_input_is_shown_as_the_apis_message()
    {
        var (owner, projectId, dashboard) = await OwnerInSettings("general");
        await using var _ = dashboard;
        var page = dashboard.Page;
        await page.GetByLabel("First reply within (hours)").FillAsync("-1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save SLA targets" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("greater than 0");
        await Expect(page.GetByLabel("First reply within (hours)")).ToHaveAttributeAsync("aria-invalid", "true");

        await page.GetByLabel("First reply within (hours)").FillAsync("4");
        await page.GetByLabel("Resolve within (hours)").FillAsync("1.5");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save SLA targets" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Saved.");
        var settings = await owner.Get($"/v1/projects/{projectId}/helpdesk/settings");
        Assert.Equal(4m, settings.GetProperty("sla_first_reply_hours").GetDecimal());
        Assert.Equal(1.5m, settings.GetProperty("sla_resolve_hours").GetDecimal());
        await dashboard.Screenshot("settings-general");

        await page.GetByRole(AriaRole.Link, new() { Name = "Ticket types" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Add type" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("The field name is required.");
        const string markup = "<img src=x onerror=alert(1)>Bug";
        await page.GetByLabel("New ticket type").FillAsync(markup);
        await page.GetByRole(AriaRole.Button, new() { Name = "Add type" }).ClickAsync();
        await Expect(page.GetByText(markup, new() { Exact = true })).ToBeVisibleAsync();   // shown as text, never as markup
        Assert.Equal(0, await page.Locator(".settings img").CountAsync());
        var types = await owner.Get($"/v1/projects/{projectId}/helpdesk/ticket-types");
        Assert.Equal(markup, Assert.Single(types.GetProperty("items").EnumerateArray()).GetProperty("name").GetString());
        Assert.Empty(dashboard.ScriptErrors);
    }

    [Fact]
    public async Task Owner_invites_a_member_changes_their_role_and_removes_them_after_confirming()
    {
        var (owner, projectId, dashboard) = await OwnerInSettings("team", silo: 1);
        await using var _ = dashboard;
        var page = dashboard.Page;
        var email = $"ann-{Guid.NewGuid():N}@example.com";

        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Role", new() { Exact = true }).SelectOptionAsync("support");
        await page.GetByRole(AriaRole.Button, new() { Name = "Invite" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = email })).ToContainTextAsync("invited");

        await page.GetByLabel($"Role of {email}").SelectOptionAsync("viewer");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save role" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Save role" })).ToHaveCountAsync(0);
        Assert.Equal("viewer", (await Member(owner, projectId, email))?.GetProperty("role").GetString());
        await dashboard.Screenshot("settings-team");

        await page.GetByRole(AriaRole.Button, new() { Name = $"Remove {email}" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();   // asking again is not removing
        Assert.NotNull(await Member(owner, projectId, email));
        await page.GetByRole(AriaRole.Button, new() { Name = $"Remove {email}" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, remove" }).ClickAsync();
        await Expect(page.GetByText(email)).ToHaveCountAsync(0);
        Assert.Null(await Member(owner, projectId, email));
        Assert.Empty(dashboard.ScriptErrors);
    }

    [Fact]
    public async Task Owner_hands_the_project_over_with_the_emailed_code_and_keeps_admin_settings()
    {
        var ownerEmail = $"owner-{Guid.NewGuid():N}@example.com";
        var owner = await cluster.Api().LogInAs(ownerEmail);
        var projectId = await owner.CreateProject();
        var heirEmail = $"heir-{Guid.NewGuid():N}@example.com";
        await owner.Post($"/v1/projects/{projectId}/members", new { email = heirEmail, role = "admin" });
        await cluster.Api().LogInAs(heirEmail);   // an invited person becomes a member on first login
        await using var dashboard = await browser.NewPage(cluster.Silos[0].BaseAddress!);
        var page = dashboard.Page;

        await OpenSettings(dashboard, owner, projectId, "team");
        await page.GetByLabel("New owner").SelectOptionAsync(new SelectOptionValue { Label = $"{heirEmail} (admin)" });
        var before = cluster.Smtp.CountTo(ownerEmail);
        await page.GetByRole(AriaRole.Button, new() { Name = "Email me a code" }).ClickAsync();
        var code = await cluster.Smtp.WaitForCode(ownerEmail, before);

        await page.GetByLabel("Code from the email").FillAsync(code == "00000000" ? "11111111" : "00000000");
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm transfer" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("code");   // a wrong code is the API's message
        await page.GetByLabel("Code from the email").FillAsync(code);
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm transfer" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync($"{heirEmail} is now the owner; you are an admin.");

        Assert.Equal("owner", (await Member(owner, projectId, heirEmail))?.GetProperty("role").GetString());
        Assert.Equal("admin", (await Member(owner, projectId, ownerEmail))?.GetProperty("role").GetString());
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Transfer ownership" })).ToHaveCountAsync(0);
        Assert.Empty(dashboard.ScriptErrors);
    }

    [Fact]
    public async Task A_webhook_shows_its_secret_once_and_its_delivery_log_retries_a_delivery()
    {
        await using var receiver = await WebhookReceiver.Start();
        var (owner, projectId, dashboard) = await OwnerInSettings("webhooks");
        await using var _ = dashboard;
        var page = dashboard.Page;

        await page.GetByLabel("Endpoint URL").FillAsync(receiver.Url());
        await page.GetByRole(AriaRole.Button, new() { Name = "Add endpoint" }).ClickAsync();
        var secret = await page.Locator(".secret-value").InnerTextAsync();
        Assert.StartsWith("whsec_", secret);
        await page.GetByRole(AriaRole.Button, new() { Name = "Done, I stored it" }).ClickAsync();
        await Expect(page.GetByText(secret)).ToHaveCountAsync(0);

        var ticket = await owner.CreateTicket(projectId);
        var delivered = (await receiver.WaitFor(got => got.Count == 1)).Single();
        var webhookId = (await owner.Get($"/v1/projects/{projectId}/webhooks")).GetProperty("items")[0].GetProperty("id").GetString();
        await Poll.Eventually(async () => (await owner.Get($"/v1/projects/{projectId}/webhooks/{webhookId}/deliveries"))
            .GetProperty("items")[0].GetProperty("status").GetString() == "delivered");

        await page.GetByRole(AriaRole.Button, new() { Name = "Deliveries" }).ClickAsync();
        var row = page.Locator(".delivery-log tbody tr").Filter(new() { HasText = "ticket.created" });
        await Expect(row).ToContainTextAsync("delivered");
        await Expect(row).ToContainTextAsync("200");
        await dashboard.Screenshot("settings-webhooks");

        await row.GetByRole(AriaRole.Button, new() { Name = "Retry ticket.created delivery" }).ClickAsync();
        var again = await receiver.WaitFor(got => got.Count == 2);
        Assert.Equal(delivered.Id, again[1].Id);   // the same webhook-id: a receiver can tell it is a repeat
        Assert.Equal(ticket.GetProperty("id").GetGuid(), again[1].TicketId);
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Queued." })).ToBeVisibleAsync();
        Assert.Empty(dashboard.ScriptErrors);
    }

    [Fact]
    public async Task Connecting_a_telegram_bot_shows_its_deep_link_and_a_qr_code_of_it()
    {
        var bot = cluster.Telegram.AddBot();
        var (owner, projectId, dashboard) = await OwnerInSettings("channels", silo: 1);
        await using var _ = dashboard;
        var page = dashboard.Page;
        var slug = (await owner.Get($"/v1/projects/{projectId}")).GetProperty("slug").GetString();

        var card = page.GetByRole(AriaRole.Article, new() { Name = "Telegram bot" });
        await card.GetByLabel("Bot token").FillAsync("123:not-a-token-the-fake-knows");
        await card.GetByRole(AriaRole.Button, new() { Name = "Connect Telegram bot" }).ClickAsync();
        await Expect(card.GetByRole(AriaRole.Alert)).ToBeVisibleAsync();   // Telegram refused it: readable, not swallowed

        await card.GetByLabel("Bot token").FillAsync(bot.Token);
        await card.GetByRole(AriaRole.Button, new() { Name = "Connect Telegram bot" }).ClickAsync();
        var link = $"https://t.me/{bot.Username}?start=help_{slug}";
        await Expect(card.GetByRole(AriaRole.Link, new() { Name = link })).ToHaveAttributeAsync("href", link);
        var qr = card.GetByRole(AriaRole.Img, new() { Name = $"QR code of {link}" });
        await Expect(qr).ToBeVisibleAsync();
        Assert.Equal(link, await QrCode.Read(qr));
        Assert.NotNull(cluster.Telegram.WebhookOf(bot));
        await dashboard.Screenshot("settings-channels");

        await card.GetByRole(AriaRole.Button, new() { Name = "Disconnect Telegram bot" }).ClickAsync();
        await card.GetByRole(AriaRole.Button, new() { Name = "Yes, disconnect" }).ClickAsync();
        await Expect(card.GetByLabel("Bot token")).ToBeVisibleAsync();
        Assert.Empty((await owner.Get($"/v1/projects/{projectId}/channels")).GetProperty("items").EnumerateArray());
        Assert.Empty(dashboard.ScriptErrors);
    }

    [Fact]
    public async Task Owner_adds_a_canned_reply_creates_and_revokes_an_api_key_and_buys_credits_at_the_payment_provider()
    {
        var (owner, projectId, dashboard) = await OwnerInSettings("canned-replies");
        await using var _ = dashboard;
        var page = dashboard.Page;
        await page.GetByText("Add a canned reply").ClickAsync();
        await page.GetByLabel("Title").FillAsync("Greeting");
        await page.GetByLabel("Text").FillAsync("Hello {{customer.nam}}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add reply" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Unknown variable 'customer.nam'");
        await page.GetByLabel("Text").FillAsync("Hello {{customer.first_name|there}}, ticket #{{ticket.number}} is in hand.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add reply" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Greeting" })).ToBeVisibleAsync();
        var replies = await owner.Get($"/v1/projects/{projectId}/helpdesk/canned-replies");
        Assert.Equal("Greeting", Assert.Single(replies.GetProperty("items").EnumerateArray()).GetProperty("title").GetString());

        await page.GetByRole(AriaRole.Link, new() { Name = "API keys" }).ClickAsync();
        await page.GetByLabel("New key name").FillAsync("website");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
        var key = await page.Locator(".secret-value").InnerTextAsync();
        Assert.StartsWith("zk_", key);
        var integrator = owner.WithToken(key);
        await integrator.Get($"/v1/projects/{projectId}/helpdesk/settings");   // the key shown works
        await page.GetByRole(AriaRole.Button, new() { Name = "Done, I stored it" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke website" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, revoke" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "website" })).ToContainTextAsync("revoked");
        using (var refused = await integrator.Send(HttpMethod.Get, $"/v1/projects/{projectId}/helpdesk/settings"))
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        await page.GetByRole(AriaRole.Link, new() { Name = "Billing" }).ClickAsync();
        var creditsLeft = page.GetByLabel("Balance").Locator(".big").First;
        await Expect(creditsLeft).ToHaveTextAsync("100");
        await page.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Buy 50 credits for ") }).First.ClickAsync();
        await page.WaitForURLAsync(new Regex("/pay/cs_test_"));   // the fake Stripe's checkout page
        var session = cluster.Stripe.Sessions.Single(s => s.Form.GetValueOrDefault("metadata[project_id]") == projectId.ToString());
        Assert.Equal(800, session.AmountTotal);
        using (var paid = await cluster.PostStripe(cluster.Stripe.Completed(session)))
            Assert.Equal(HttpStatusCode.OK, paid.StatusCode);
        // Stripe sends the payer back to the dashboard on the public address; here that is this silo.
        await page.GotoAsync("/" + new Uri(session.SuccessUrl!).Fragment);
        await Expect(page.GetByRole(AriaRole.Status, new() { Name = "Payment" })).ToContainTextAsync("Payment received");
        await Expect(creditsLeft).ToHaveTextAsync("150");
        await Expect(page.Locator(".ledger")).ToContainTextAsync("+50");
        Assert.Equal(50, (await owner.Get($"/v1/projects/{projectId}/billing")).GetProperty("purchased_credits").GetInt32());
        await dashboard.Screenshot("settings-billing");
        Assert.Empty(dashboard.ScriptErrors);
    }

    [Fact]
    public async Task A_support_member_sees_no_settings_and_an_admin_sees_no_owner_only_actions()
    {
        var (owner, projectId) = await OwnerWithProject();
        var supportEmail = $"support-{Guid.NewGuid():N}@example.com";
        var adminEmail = $"admin-{Guid.NewGuid():N}@example.com";
        await owner.Post($"/v1/projects/{projectId}/members", new { email = supportEmail, role = "support" });
        await owner.Post($"/v1/projects/{projectId}/members", new { email = adminEmail, role = "admin" });
        var support = await cluster.Api().LogInAs(supportEmail);
        var admin = await cluster.Api().LogInAs(adminEmail);

        await using (var dashboard = await browser.NewPage(cluster.Silos[1].BaseAddress!))
        {
            var page = dashboard.Page;
            await dashboard.OpenAs(support, $"#/p/{projectId}/tickets");
            await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Tickets" })).ToBeVisibleAsync();
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Settings" })).ToHaveCountAsync(0);
            await page.GotoAsync($"/#/p/{projectId}/settings/team");   // typed by hand
            await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("owner and admins");
            await Expect(page.GetByLabel("Email")).ToHaveCountAsync(0);
        }

        await using (var dashboard = await browser.NewPage(cluster.Silos[0].BaseAddress!))
        {
            var page = dashboard.Page;
            await OpenSettings(dashboard, admin, projectId, "general");
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Save SLA targets" })).ToBeVisibleAsync();
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Delete project" })).ToHaveCountAsync(0);
            await page.GetByRole(AriaRole.Link, new() { Name = "Team" }).ClickAsync();
            await Expect(page.GetByLabel("Role", new() { Exact = true }).Locator("option")).ToHaveTextAsync(["support", "viewer"]);
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Transfer ownership" })).ToHaveCountAsync(0);
            await page.GetByRole(AriaRole.Link, new() { Name = "Billing" }).ClickAsync();
            await Expect(page.GetByLabel("Balance")).ToBeVisibleAsync();
            await Expect(page.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Buy ") })).ToHaveCountAsync(0);
            Assert.Empty(dashboard.ScriptErrors);
        }
    }

    [Fact]
    public async Task On_a_phone_settings_stack_without_sideways_scrolling_and_work_from_the_keyboard()
    {
        var (_, _, dashboard) = await OwnerInSettings("ticket-types", phone: true);
        await using var _ = dashboard;
        var page = dashboard.Page;

        await page.GetByLabel("New ticket type").FocusAsync();
        await page.Keyboard.TypeAsync("Question");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByText("Question", new() { Exact = true })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Archive Question" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Cancel" })).ToBeFocusedAsync();   // the confirmation takes the focus
        await page.Keyboard.PressAsync("Shift+Tab");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByText(new System.Text.RegularExpressions.Regex("Archived .*Question"))).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "Team" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Team" })).ToBeVisibleAsync();
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"),
            "the page must not scroll sideways on a phone");
        await dashboard.Screenshot("settings-team-phone");
        Assert.Empty(dashboard.ScriptErrors);
    }

    [Fact]
    public async Task The_audit_log_shows_a_change_made_in_settings_by_its_actors_name_and_filters_by_area()
    {
        var (owner, projectId, dashboard) = await OwnerInSettings("ticket-types", silo: 1);
        await using var _ = dashboard;
        var page = dashboard.Page;
        await owner.Patch("/v1/auth/me", new { name = "Nina Owner" });
        await page.GetByLabel("New ticket type").FillAsync("Refund");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add type" }).ClickAsync();
        await Expect(page.GetByText("Refund", new() { Exact = true })).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "Audit log" }).ClickAsync();
        var entry = page.Locator(".audit-log tbody tr").Filter(new() { HasText = "Ticket types: added" });
        await Expect(entry).ToContainTextAsync("Nina Owner");
        await Expect(entry).ToContainTextAsync("name: Refund");
        await dashboard.Screenshot("settings-audit");

        await page.GetByLabel("Show").SelectOptionAsync(new SelectOptionValue { Label = "Webhooks" });
        await Expect(page.GetByText("Nothing recorded here yet.")).ToBeVisibleAsync();
        await page.GetByLabel("Show").SelectOptionAsync(new SelectOptionValue { Label = "Ticket types" });
        await Expect(page.Locator(".audit-log tbody tr")).ToHaveCountAsync(1);
        Assert.Empty(dashboard.ScriptErrors);
    }

    [Fact]
    public async Task Editing_a_webhook_shows_the_apis_error_for_a_forbidden_url_and_saves_a_valid_url_and_events()
    {
        await using var receiver = await WebhookReceiver.Start();
        var (owner, projectId) = await OwnerWithProject();
        var hookId = (await owner.Post($"/v1/projects/{projectId}/webhooks", new { url = receiver.Url(), events = new[] { "ticket.*" } }))
            .GetProperty("id").GetGuid();
        await using var dashboard = await browser.NewPage(cluster.Silos[0].BaseAddress!);
        var page = dashboard.Page;
        await OpenSettings(dashboard, owner, projectId, "webhooks");

        var card = page.Locator("article.webhook");
        await card.GetByRole(AriaRole.Button, new() { Name = $"Edit {receiver.Url()}" }).ClickAsync();
        await card.GetByLabel("Endpoint URL").FillAsync("http://admin:secret@internal.example/hook");
        await card.GetByRole(AriaRole.Button, new() { Name = "Save endpoint" }).ClickAsync();
        await Expect(card.GetByRole(AriaRole.Alert)).ToHaveTextAsync("The url must not carry a user name or password.");
        await Expect(card.GetByLabel("Endpoint URL")).ToHaveAttributeAsync("aria-invalid", "true");
        var unchanged = await owner.Get($"/v1/projects/{projectId}/webhooks/{hookId}");
        Assert.Equal(receiver.Url(), unchanged.GetProperty("url").GetString());

        var edited = receiver.Url("edited");
        await card.GetByLabel("Endpoint URL").FillAsync(edited);
        await card.GetByLabel("All ticket events").UncheckAsync();
        await card.GetByLabel("ticket.replied").CheckAsync();
        await card.GetByRole(AriaRole.Button, new() { Name = "Save endpoint" }).ClickAsync();
        await Expect(card.GetByText(edited, new() { Exact = true })).ToBeVisibleAsync();
        await Expect(card.GetByRole(AriaRole.Button, new() { Name = "Save endpoint" })).ToHaveCountAsync(0);
        var saved = await owner.Get($"/v1/projects/{projectId}/webhooks/{hookId}");
        Assert.Equal(edited, saved.GetProperty("url").GetString());
        Assert.Equal(["ticket.replied"], saved.GetProperty("events").EnumerateArray().Select(e => e.GetString()));
        Assert.Empty(dashboard.ScriptErrors);
    }

    /// <summary>A new owner with a new project, on its settings <paramref name="section"/> in a page served by <paramref name="silo"/> (phone-sized if asked).</summary>
    private async Task<(ApiClient Owner, Guid ProjectId, DashboardPage Dashboard)> OwnerInSettings(string section, int silo = 0, bool phone = false)
    {
        var (owner, projectId) = await OwnerWithProject();
        var address = cluster.Silos[silo].BaseAddress!;
        var dashboard = phone ? await browser.NewPage(address, width: 390, height: 844) : await browser.NewPage(address);
        await OpenSettings(dashboard, owner, projectId, section);
        return (owner, projectId, dashboard);
    }

    private async Task<(ApiClient Owner, Guid ProjectId)> OwnerWithProject()
    {
        var owner = await cluster.Api().LogInAs();
        return (owner, await owner.CreateProject());
    }

    private static async Task OpenSettings(DashboardPage dashboard, ApiClient user, Guid projectId, string section)
    {
        await dashboard.OpenAs(user, $"#/p/{projectId}/settings/{section}");
        await dashboard.Page.GetByRole(AriaRole.Navigation, new() { Name = "Settings sections" }).WaitForAsync();
    }

    private static async Task<JsonElement?> Member(ApiClient owner, Guid projectId, string email)
    {
        foreach (var member in (await owner.Get($"/v1/projects/{projectId}/members")).GetProperty("items").EnumerateArray())
            if (member.GetProperty("email").GetString() == email) return member;
        return null;
    }
}
