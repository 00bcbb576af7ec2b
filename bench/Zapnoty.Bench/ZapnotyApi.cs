using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Bench;

/// <summary>A project the bench created, with the API key it calls the project with.</summary>
public sealed record BenchProject(Guid Id, string Key);

/// <summary>
/// The REST calls the benchmark makes, as an admin in the dashboard (session) or a
/// customer's backend (API key) would make them. Any unexpected status fails loudly.
/// </summary>
public sealed class ZapnotyApi(HttpClient http)
{
    private string? _session;

    public HttpClient Http => http;

    /// <summary>Logs in the real way: email, then the code the fake SMTP server caught.</summary>
    public async Task LogIn(FakeSmtpServer smtp)
    {
        var email = $"bench-{Guid.NewGuid():N}@example.com";
        await Send(HttpMethod.Post, "/v1/auth/login", new { email }, token: null, expected: null);
        var code = await smtp.WaitForCode(email, 0);
        var session = await Send(HttpMethod.Post, "/v1/auth/verify", new { email, code }, token: null, expected: 200);
        _session = session.GetProperty("token").GetString();
    }

    public async Task<BenchProject> CreateProject()
    {
        var slug = $"bench-{Guid.NewGuid():N}"[..24];
        var created = await Send(HttpMethod.Post, "/v1/projects", new { name = slug, slug }, _session);
        var id = created.GetProperty("id").GetGuid();
        var key = await Send(HttpMethod.Post, $"/v1/projects/{id}/api-keys", new { name = "bench", scopes = new[] { "tickets:write", "admin" } }, _session);
        // Replies cost a credit each; a bench project must not run out mid-measurement.
        await Send(HttpMethod.Post, $"/v1/projects/{id}/billing/credits", new { amount = 1_000_000, reference = "bench" }, _session, expected: 200);
        return new BenchProject(id, key.GetProperty("key").GetString()!);
    }

    public async Task<List<BenchProject>> CreateProjects(int count)
    {
        var projects = new List<BenchProject>();
        for (var i = 0; i < count; i++) projects.Add(await CreateProject());
        return projects;
    }

    /// <summary>Another key of the project, made by the admin in the dashboard (only a person may make keys); returns its secret.</summary>
    public async Task<string> CreateApiKey(BenchProject project, string name, string scope)
    {
        var key = await Send(HttpMethod.Post, $"/v1/projects/{project.Id}/api-keys", new { name, scopes = new[] { scope } }, _session);
        return key.GetProperty("key").GetString()!;
    }

    /// <summary>Connects a Telegram bot to the project, as the admin does with the token from @BotFather.</summary>
    public Task ConnectTelegram(BenchProject project, string botToken) =>
        Send(HttpMethod.Put, $"/v1/projects/{project.Id}/channels/telegram", new { bot_token = botToken }, _session, expected: 200);

    /// <summary>Sets the project's SLA targets in hours (null: off), as an admin in the dashboard would.</summary>
    public async Task SetSla(BenchProject project, decimal? firstReplyHours, decimal? resolveHours) =>
        await Send(HttpMethod.Patch, $"/v1/projects/{project.Id}/helpdesk/settings",
            new { sla_first_reply_hours = firstReplyHours, sla_resolve_hours = resolveHours }, _session, expected: 200);

    /// <summary>
    /// Gives the project a business-hours calendar (<paramref name="week"/>: day → [start, end]
    /// periods, in UTC) and the same business-hours SLA policy for every priority, in whole minutes,
    /// as an admin in the dashboard would.
    /// </summary>
    public async Task SetBusinessSla(BenchProject project, IReadOnlyDictionary<string, string[][]> week, int firstReplyMinutes, int resolveMinutes)
    {
        await Send(HttpMethod.Put, $"/v1/projects/{project.Id}/helpdesk/calendar",
            new { time_zone = "Etc/UTC", week, holidays = Array.Empty<string>(), working_days = Array.Empty<string>() }, _session, expected: 200);
        var policies = new[] { "low", "normal", "high", "urgent" }.Select(priority => new
        {
            priority, first_reply_minutes = firstReplyMinutes, next_reply_minutes = (int?)null, resolve_minutes = resolveMinutes,
            business_hours = true, pause_while_waiting = false,
        });
        await Send(HttpMethod.Put, $"/v1/projects/{project.Id}/helpdesk/sla-policies", new { policies }, _session, expected: 200);
    }

    /// <summary>Subscribes <paramref name="url"/> to every ticket event; returns the signing secret.</summary>
    public async Task<string> Subscribe(BenchProject project, string url)
    {
        var created = await Send(HttpMethod.Post, $"/v1/projects/{project.Id}/webhooks", new { url, events = new[] { "ticket.*" } }, project.Key);
        return created.GetProperty("secret").GetString()!;
    }

    /// <summary>A GET as an integration makes it with the project's key; the body is read whole but not parsed; anything but 200 fails.</summary>
    public async Task GetOk(BenchProject project, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", project.Key);
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if ((int)response.StatusCode != 200) throw new InvalidOperationException($"HTTP {(int)response.StatusCode}: {body[..Math.Min(300, body.Length)]}");
    }

    /// <summary>Opens a ticket (channel <c>api</c>); returns its id.</summary>
    public async Task<Guid> OpenTicket(BenchProject project, int n)
    {
        var ticket = await Send(HttpMethod.Post, $"/v1/projects/{project.Id}/helpdesk/tickets", new
        {
            text = $"Bench ticket {n}: the order did not arrive",
            subject = $"Bench ticket {n}",
            customer = new { external_id = $"customer-{n % 1000}", name = "Bench Customer" },
        }, project.Key);
        return ticket.GetProperty("id").GetGuid();
    }

    /// <summary>An agent reply with the project's API key (it acts as admin); returns the message id.</summary>
    public async Task<Guid> Reply(BenchProject project, Guid ticketId, int n)
    {
        var message = await Send(HttpMethod.Post, $"/v1/helpdesk/tickets/{ticketId}/replies",
            new { text = $"Bench reply {n}: we are on it, a new parcel leaves today" }, project.Key);
        return message.GetProperty("id").GetGuid();
    }

    private async Task<JsonElement> Send(HttpMethod method, string path, object body, string? token, int? expected = 201)
    {
        using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        if (expected is null) return default;
        if ((int)response.StatusCode != expected)
            throw new InvalidOperationException($"{method} {path}: HTTP {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
