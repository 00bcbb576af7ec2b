using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Zapnoty.Grains.Tests.Infrastructure;

/// <summary>Talks to one silo's REST API as a user or an API key, the way an integrator would.</summary>
public sealed class ApiClient(HttpClient http, FakeSmtpServer smtp, string? token = null, string? clientIp = null)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public string? Token { get; } = token;

    /// <summary>The silo's client, for requests the helpers here do not build (multipart).</summary>
    public HttpClient Http => http;

    /// <summary>The client IP the API sees, sent as <c>X-Forwarded-For</c> (the test client is a trusted loopback proxy).</summary>
    public string? ClientIp { get; } = clientIp;

    public ApiClient WithToken(string? newToken) => new(http, smtp, newToken, ClientIp);

    public ApiClient WithClientIp(string? ip) => new(http, smtp, Token, ip);

    /// <summary>A random address in 10.0.0.0/8, so logins of unrelated tests do not share per-IP limits.</summary>
    public static string RandomClientIp() => $"10.{Random.Shared.Next(256)}.{Random.Shared.Next(256)}.{Random.Shared.Next(1, 255)}";

    public Task<HttpResponseMessage> Send(HttpMethod method, string path, object? body = null) =>
        SendRaw(method, path, body is null ? null : JsonSerializer.Serialize(body, Json));

    public async Task<HttpResponseMessage> SendRaw(HttpMethod method, string path, string? body, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path);
        if (Token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        if (ClientIp is not null) request.Headers.Add("X-Forwarded-For", ClientIp);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, contentType);
        // Headers first, so an event stream's answer returns too; other bodies are read when asked for.
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    /// <summary>Sends and asserts the status; returns the JSON body (or an empty object for no content).</summary>
    public async Task<JsonElement> Call(HttpMethod method, string path, object? body, HttpStatusCode expected)
    {
        using var response = await Send(method, path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{method} {path}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? JsonDocument.Parse("{}").RootElement : JsonDocument.Parse(text).RootElement.Clone();
    }

    public Task<JsonElement> Get(string path) => Call(HttpMethod.Get, path, null, HttpStatusCode.OK);
    public Task<JsonElement> Post(string path, object body, HttpStatusCode expected = HttpStatusCode.Created) => Call(HttpMethod.Post, path, body, expected);
    public Task<JsonElement> Patch(string path, object body) => Call(HttpMethod.Patch, path, body, HttpStatusCode.OK);

    /// <summary>
    /// Logs a new person in through the emailed code; returns a client acting as them. Unless a
    /// client IP was chosen, each login comes from its own random IP, so the per-IP login limits
    /// count only the tests that are about them.
    /// </summary>
    public async Task<ApiClient> LogInAs(string? email = null)
    {
        email ??= $"agent-{Guid.NewGuid():N}@example.com";
        var anonymous = WithToken(null).WithClientIp(ClientIp ?? RandomClientIp());
        var before = smtp.CountTo(email);
        await anonymous.Call(HttpMethod.Post, "/v1/auth/login", new { email }, HttpStatusCode.Accepted);
        var code = await smtp.WaitForCode(email, before);
        var session = await anonymous.Call(HttpMethod.Post, "/v1/auth/verify", new { email, code }, HttpStatusCode.OK);
        return WithToken(session.GetProperty("token").GetString());
    }

    /// <summary>A new project owned by this client's user.</summary>
    public async Task<Guid> CreateProject(string? name = null)
    {
        var slug = $"p-{Guid.NewGuid():N}"[..20];
        var project = await Post("/v1/projects", new { name = name ?? "Acme " + slug, slug });
        return project.GetProperty("id").GetGuid();
    }

    /// <summary>The project's slug: bots' deep links carry it (<c>/start help_{slug}</c>).</summary>
    public async Task<string> ProjectSlug(Guid projectId) =>
        (await Get($"/v1/projects/{projectId}")).GetProperty("slug").GetString()!;

    /// <summary>How many tickets the project has (up to a page of 200).</summary>
    public async Task<int> TicketCount(Guid projectId) =>
        (await Get($"/v1/projects/{projectId}/helpdesk/tickets?limit=200")).GetProperty("items").GetArrayLength();

    public async Task<JsonElement> CreateTicket(Guid projectId, string text = "My order did not arrive", string externalId = "customer-1", object? extra = null)
    {
        var body = new Dictionary<string, object?> { ["text"] = text, ["customer"] = new { external_id = externalId, name = "Ivan Petrov" } };
        if (extra is not null)
            foreach (var property in JsonSerializer.SerializeToElement(extra, Json).EnumerateObject())
                body[property.Name] = property.Value;
        return await Post($"/v1/projects/{projectId}/helpdesk/tickets", body);
    }
}
