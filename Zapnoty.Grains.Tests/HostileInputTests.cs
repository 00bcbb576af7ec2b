using System.Net;
using System.Text.Json;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// What the fuzz run (<see cref="ApiFuzzTests"/>) found, one case each, so a regression names
/// itself: text PostgreSQL cannot store, over-long URLs, unknown charsets, ids that are not ids,
/// and tokens that are not tokens. Each answer is a 4xx problem, never a 500 or an empty body.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class HostileInputTests(ClusterFixture cluster)
{
    [Theory]
    [InlineData("\\u0000")]
    [InlineData("Acme\\u0000Support")]
    [InlineData("Acme \\ud800")]
    public async Task A_project_name_that_is_not_storable_text_is_refused_with_a_problem_naming_the_field(string escapedName)
    {
        var agent = await cluster.Api().LogInAs();
        var slug = "nul-" + Guid.NewGuid().ToString("N")[..12];
        using var response = await agent.SendRaw(HttpMethod.Post, "/v1/projects", $"{{\"name\": \"{escapedName}\", \"slug\": \"{slug}\"}}");
        await AssertProblem(response, 400, "name");
    }

    [Fact]
    public async Task A_nul_in_reply_text_api_key_name_or_bot_text_is_refused_and_nothing_is_written()
    {
        var agent = await cluster.Api().LogInAs();
        var projectId = await agent.CreateProject();
        var ticketId = (await agent.CreateTicket(projectId)).GetProperty("id").GetGuid();

        using (var reply = await agent.SendRaw(HttpMethod.Post, $"/v1/helpdesk/tickets/{ticketId}/replies", "{\"text\": \"On it\\u0000\"}"))
            await AssertProblem(reply, 400, "text");
        using (var key = await agent.SendRaw(HttpMethod.Post, $"/v1/projects/{projectId}/api-keys", "{\"name\": \"ci\\u0000\"}"))
            await AssertProblem(key, 400, "name");
        using (var texts = await agent.SendRaw(HttpMethod.Patch, $"/v1/projects/{projectId}/channels/texts", "{\"greeting\": \"Hi\\u0000\"}"))
            await AssertProblem(texts, 400, "greeting");

        var ticket = await agent.Get($"/v1/helpdesk/tickets/{ticketId}");
        Assert.Single(ticket.GetProperty("messages").EnumerateArray());
        Assert.Empty((await agent.Get($"/v1/projects/{projectId}/api-keys")).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task A_nul_in_a_query_value_is_refused_with_a_problem_naming_the_parameter()
    {
        var agent = await cluster.Api().LogInAs();
        var projectId = await agent.CreateProject();
        using var response = await agent.SendRaw(HttpMethod.Get, $"/v1/projects/{projectId}/helpdesk/tickets?customer_external_id=a%00b", null);
        await AssertProblem(response, 400, "customer_external_id");
    }

    [Theory]
    [InlineData(9 * 1024)]
    [InlineData(60 * 1024)]
    public async Task An_over_long_url_gets_a_414_problem(int length)
    {
        var agent = await cluster.Api().LogInAs();
        using var response = await agent.SendRaw(HttpMethod.Get, "/v1/projects?x=" + new string('u', length), null);
        await AssertProblem(response, 414);
    }

    [Fact]
    public async Task A_url_under_the_limit_is_served()
    {
        var agent = await cluster.Api().LogInAs();
        using var response = await agent.SendRaw(HttpMethod.Get, "/v1/projects?limit=5&" + new string('u', 7 * 1024), null);
        Assert.NotEqual(HttpStatusCode.RequestUriTooLong, response.StatusCode);
    }

    [Fact]
    public async Task A_body_in_an_unknown_charset_gets_a_415_problem()
    {
        var agent = await cluster.Api().LogInAs();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/projects")
        {
            Content = new ByteArrayContent("{\"name\": \"Acme\", \"slug\": \"acme-charset\"}"u8.ToArray()),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", agent.Token);
        // HttpClient itself refuses to build this header; a client that writes raw HTTP does not.
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json; charset=nope");
        using var response = await cluster.Silos[0].SendAsync(request);
        await AssertProblem(response, 415);
    }

    [Theory]
    [InlineData("max", "access_token", "{{ticket.number}}")]
    [InlineData("max", "access_token", "../../etc/passwd")]
    [InlineData("max", "access_token", "123:ABC/../x")]
    [InlineData("max", "access_token", "token with spaces in it")]
    [InlineData("telegram", "bot_token", "{{ticket.number}}")]
    [InlineData("telegram", "bot_token", "../../etc/passwd")]
    [InlineData("telegram", "bot_token", "123:ABC/../x")]
    public async Task A_bot_token_of_the_wrong_shape_is_refused_before_any_call_to_the_messenger(string channel, string field, string token)
    {
        var agent = await cluster.Api().LogInAs();
        var projectId = await agent.CreateProject();
        using var response = await agent.Send(HttpMethod.Put, $"/v1/projects/{projectId}/channels/{channel}", new Dictionary<string, string> { [field] = token });
        await AssertProblem(response, 400, field);
        Assert.DoesNotContain(cluster.Max.Calls, call => call.Token == token);
        Assert.DoesNotContain(cluster.Telegram.Calls, call => call.Token == token);
    }

    /// <summary>
    /// The render route takes its project from the ticket in the path; an id that is not a GUID once
    /// skipped that check and ran the handler with no project at all (it failed with "project 0000…").
    /// </summary>
    [Fact]
    public async Task A_ticket_id_that_is_not_an_id_is_refused_before_the_handler_runs()
    {
        var agent = await cluster.Api().LogInAs();
        var projectId = await agent.CreateProject();
        var cannedId = (await agent.Post($"/v1/projects/{projectId}/helpdesk/canned-replies", new { title = "Hi", text = "Hello" }))
            .GetProperty("id").GetGuid();
        using var response = await agent.SendRaw(HttpMethod.Post, $"/v1/helpdesk/tickets/not-a-ticket/canned-replies/{cannedId}/render", null);
        await AssertProblem(response, 404);
    }

    private static async Task AssertProblem(HttpResponseMessage response, int status, string? field = null)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        if (field is not null)
            Assert.True(problem.TryGetProperty("errors", out var errors) && errors.TryGetProperty(field, out _), $"errors do not name '{field}': {body}");
    }
}
