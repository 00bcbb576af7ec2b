using System.Net;
using System.Text.Json;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// Integrators build against the OpenAPI document, so it must list the failures a route really
/// answers, as problem details. Each test here provokes a refusal and finds it in the document.
/// (After a full run, scripts/status-coverage.sh does the same for every answer of the suite.)
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class DocumentedFailureTests(ClusterFixture cluster)
{
    private static readonly string[] Methods = ["get", "post", "put", "patch", "delete"];

    private async Task<JsonElement> Document() =>
        JsonDocument.Parse(await cluster.Silos[0].GetStringAsync("/swagger/v1/swagger.json")).RootElement.Clone();

    private static JsonElement Responses(JsonElement document, string method, string path) =>
        document.GetProperty("paths").GetProperty(path).GetProperty(method).GetProperty("responses");

    private static async Task AssertDocumented(JsonElement document, string method, string path, HttpResponseMessage answer, HttpStatusCode expected)
    {
        Assert.Equal(expected, answer.StatusCode);
        Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
        var status = ((int)expected).ToString();
        Assert.True(Responses(document, method, path).TryGetProperty(status, out var response),
            $"{method.ToUpperInvariant()} {path} answered {status}, which the document does not declare: {await answer.Content.ReadAsStringAsync()}");
        Assert.True(response.GetProperty("content").TryGetProperty("application/problem+json", out _), $"{method} {path} {status} is not a problem");
    }

    [Fact]
    public async Task Conflicts_and_missing_items_a_route_answers_are_declared_on_its_operation()
    {
        var document = await Document();
        var owner = await cluster.Api().LogInAs();
        var projectId = await owner.CreateProject();

        var types = $"/v1/projects/{projectId}/helpdesk/ticket-types";
        await owner.Post(types, new { name = "Billing" });
        using (var duplicate = await owner.Send(HttpMethod.Post, types, new { name = "Billing" }))
            await AssertDocumented(document, "post", "/v1/projects/{projectId}/helpdesk/ticket-types", duplicate, HttpStatusCode.Conflict);

        using (var unknownWebhook = await owner.Send(HttpMethod.Delete, $"/v1/projects/{projectId}/webhooks/{Guid.NewGuid()}"))
            await AssertDocumented(document, "delete", "/v1/projects/{projectId}/webhooks/{webhookId}", unknownWebhook, HttpStatusCode.NotFound);

        var ticket = await owner.CreateTicket(projectId);
        var ticketId = ticket.GetProperty("id").GetGuid();
        await owner.Patch($"/v1/helpdesk/tickets/{ticketId}", new { status = "closed" });
        using (var closed = await owner.Send(HttpMethod.Post, $"/v1/helpdesk/tickets/{ticketId}/customer-reply", new { text = "Hello again" }))
            await AssertDocumented(document, "post", "/v1/helpdesk/tickets/{ticketId}/customer-reply", closed, HttpStatusCode.Conflict);

        using (var badCursor = await owner.Send(HttpMethod.Get, $"/v1/projects/{projectId}/helpdesk/tickets?overdue=perhaps"))
            await AssertDocumented(document, "get", "/v1/projects/{projectId}/helpdesk/tickets", badCursor, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Authentication_and_access_refusals_are_declared_exactly_where_they_apply()
    {
        var document = await Document();
        var owner = await cluster.Api().LogInAs();
        var projectId = await owner.CreateProject();
        var viewer = await cluster.Api().LogInAs();
        var viewerEmail = (await viewer.Get("/v1/auth/me")).GetProperty("email").GetString();
        await owner.Post($"/v1/projects/{projectId}/members", new { email = viewerEmail, role = "viewer" });

        using (var nobody = await cluster.Api().Send(HttpMethod.Get, "/v1/auth/me"))
            await AssertDocumented(document, "get", "/v1/auth/me", nobody, HttpStatusCode.Unauthorized);
        using (var tooLowly = await viewer.Send(HttpMethod.Post, $"/v1/projects/{projectId}/helpdesk/ticket-types", new { name = "Nope" }))
            await AssertDocumented(document, "post", "/v1/projects/{projectId}/helpdesk/ticket-types", tooLowly, HttpStatusCode.Forbidden);
        using (var stranger = await viewer.Send(HttpMethod.Get, $"/v1/projects/{Guid.NewGuid()}/helpdesk/tickets"))
            await AssertDocumented(document, "get", "/v1/projects/{projectId}/helpdesk/tickets", stranger, HttpStatusCode.NotFound);

        // No credential is asked of the routes that log in, so they promise no 401; a viewer's read
        // needs no more than membership, so it promises no 403.
        Assert.False(Responses(document, "post", "/v1/auth/login").TryGetProperty("401", out _));
        Assert.False(Responses(document, "get", "/v1/projects/{projectId}/helpdesk/tickets").TryGetProperty("403", out _));
    }

    [Fact]
    public async Task Every_failure_in_the_document_is_a_problem_and_a_503_says_when_to_retry()
    {
        var document = await Document();
        var operations = document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Where(o => Methods.Contains(o.Name)).Select(o => (Name: $"{o.Name} {path.Name}", o.Value)))
            .ToList();
        Assert.NotEmpty(operations);
        foreach (var (name, operation) in operations)
        {
            var responses = operation.GetProperty("responses");
            Assert.True(responses.TryGetProperty("503", out var unavailable), $"{name} declares no 503");
            Assert.True(unavailable.GetProperty("headers").TryGetProperty("Retry-After", out _), $"{name}: 503 without Retry-After");
            foreach (var response in responses.EnumerateObject().Where(r => r.Name[0] is '4' or '5'))
                Assert.True(response.Value.GetProperty("content").TryGetProperty("application/problem+json", out _), $"{name} {response.Name} is not a problem");
        }
    }

    [Fact]
    public async Task The_ticket_list_keeps_its_query_parameter_names()
    {
        var document = await Document();
        var list = document.GetProperty("paths").GetProperty("/v1/projects/{projectId}/helpdesk/tickets").GetProperty("get");
        var names = list.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
        Assert.Equal(["projectId", "status", "type_id", "priority", "assignee_id", "overdue", "q", "customer_external_id", "tag_id", "limit", "cursor", "channel", "created_from", "created_to"], names);
        var counts = document.GetProperty("paths").GetProperty("/v1/projects/{projectId}/helpdesk/tickets/counts").GetProperty("get");
        Assert.Equal(["projectId", "type_id", "priority", "assignee_id", "overdue", "q", "customer_external_id", "tag_id", "channel", "created_from", "created_to"],
            counts.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList());
    }
}
