using System.Text.Json;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

/// <summary>Every route answers bad input with the right 4xx and RFC 9457 problem details; never a 500.</summary>
[Collection(ClusterCollection.Name)]
public sealed class BadInputTests(ClusterFixture cluster)
{
    private sealed record Case(string Method, string Path, string? Body, int Status, string? Field = null, string ContentType = "application/json");

    [Fact]
    public async Task Every_route_answers_bad_input_with_a_4xx_problem()
    {
        var agent = await cluster.Api().LogInAs();
        var p = await agent.CreateProject();
        var t = (await agent.CreateTicket(p)).GetProperty("id").GetGuid();
        var unknown = Guid.NewGuid();
        var longText = new string('x', 4097);
        var longName = new string('n', 101);

        Case[] cases =
        [
            new("POST", "/v1/auth/login", "{", 400),
            new("POST", "/v1/auth/login", "{\"email\": 5}", 400, "email"),
            new("POST", "/v1/auth/login", "{}", 400, "email"),
            new("POST", "/v1/auth/login", "{\"email\": \"not-an-email\"}", 400, "email"),
            new("POST", "/v1/auth/login", "{\"email\": \"a@b.co\", \"emial\": 1}", 400, "emial"),
            new("POST", "/v1/auth/login", "[]", 400),
            new("POST", "/v1/auth/login", "email=a@b.co", 415, ContentType: "application/x-www-form-urlencoded"),
            new("POST", "/v1/auth/verify", "{\"email\": \"a@b.co\"}", 400, "code"),
            new("POST", "/v1/auth/verify", "{\"email\": \"a@b.co\", \"code\": \"12ab56\"}", 400, "code"),
            new("POST", "/v1/auth/verify", "{\"email\": \"nobody@b.co\", \"code\": \"12345678\"}", 400, "code"),
            new("POST", "/v1/projects", "{\"name\": \"x\"}", 400, "slug"),
            new("POST", "/v1/projects", "{\"name\": \"x\", \"slug\": \"Not A Slug\"}", 400, "slug"),
            new("POST", "/v1/projects", $"{{\"name\": \"{longName}\", \"slug\": \"long-name\"}}", 400, "name"),
            new("POST", "/v1/projects", "null", 400),
            new("GET", "/v1/projects?limit=0", null, 400, "limit"),
            new("GET", "/v1/projects?limit=abc", null, 400),
            new("GET", "/v1/projects?cursor=%21%21%21", null, 400, "cursor"),
            new("GET", "/v1/projects/not-a-uuid", null, 404),
            new("GET", $"/v1/projects/{unknown}", null, 404),
            new("PATCH", $"/v1/projects/{p}/helpdesk/settings", "{\"sla_first_reply_hours\": -1}", 400, "sla_first_reply_hours"),
            new("PATCH", $"/v1/projects/{p}/helpdesk/settings", "{\"sla_first_reply_hours\": 0}", 400, "sla_first_reply_hours"),
            new("PATCH", $"/v1/projects/{p}/helpdesk/settings", "{\"sla_resolve_hours\": \"soon\"}", 400, "sla_resolve_hours"),
            new("PATCH", $"/v1/projects/{p}/helpdesk/settings", "{\"sla_resolve_hours\": 1e30}", 400, "sla_resolve_hours"),
            new("POST", $"/v1/projects/{p}/helpdesk/ticket-types", "{}", 400, "name"),
            new("POST", $"/v1/projects/{p}/helpdesk/ticket-types", $"{{\"name\": \"{longName}\"}}", 400, "name"),
            new("PATCH", $"/v1/projects/{p}/helpdesk/ticket-types/{unknown}", "{\"name\": \"Bug\"}", 404),
            new("PATCH", $"/v1/projects/{p}/helpdesk/ticket-types/nope", "{\"name\": \"Bug\"}", 404),
            new("DELETE", $"/v1/projects/{p}/helpdesk/ticket-types/{unknown}", null, 404),
            new("GET", $"/v1/projects/{p}/helpdesk/ticket-types?include_archived=maybe", null, 400),
            new("POST", $"/v1/projects/{p}/helpdesk/tickets", "{}", 400, "text"),
            new("POST", $"/v1/projects/{p}/helpdesk/tickets", "{\"text\": \"\", \"customer\": {\"external_id\": \"c\"}}", 400, "text"),
            new("POST", $"/v1/projects/{p}/helpdesk/tickets", $"{{\"text\": \"{longText}\", \"customer\": {{\"external_id\": \"c\"}}}}", 400, "text"),
            new("POST", $"/v1/projects/{p}/helpdesk/tickets", "{\"text\": \"hi\"}", 400, "customer"),
            new("POST", $"/v1/projects/{p}/helpdesk/tickets", "{\"text\": \"hi\", \"customer\": {}}", 400, "customer.external_id"),
            new("POST", $"/v1/projects/{p}/helpdesk/tickets", "{\"text\": \"hi\", \"customer\": {\"external_id\": 7}}", 400, "customer.external_id"),
            new("POST", $"/v1/projects/{p}/helpdesk/tickets", "{\"text\": \"hi\", \"customer\": {\"external_id\": \"c\"}, \"priority\": \"asap\"}", 400, "priority"),
            new("POST", $"/v1/projects/{p}/helpdesk/tickets", "{\"text\": \"hi\", \"customer\": {\"external_id\": \"c\"}, \"priority\": 2}", 400, "priority"),
            new("POST", $"/v1/projects/{p}/helpdesk/tickets", "{\"text\": \"hi\", \"customer\": {\"external_id\": \"c\"}, \"type_id\": \"nope\"}", 400, "type_id"),
            new("POST", $"/v1/projects/{p}/helpdesk/tickets", $"{{\"text\": \"hi\", \"customer\": {{\"external_id\": \"c\"}}, \"type_id\": \"{unknown}\"}}", 400, "type_id"),
            new("POST", $"/v1/projects/{p}/helpdesk/tickets", $"{{\"text\": \"hi\", \"subject\": \"{new string('s', 201)}\", \"customer\": {{\"external_id\": \"c\"}}}}", 400, "subject"),
            new("POST", $"/v1/projects/{p}/helpdesk/tickets", $"{{\"text\": \"{new string('x', 70_000)}\"}}", 413),
            new("POST", $"/v1/projects/{unknown}/helpdesk/tickets", "{\"text\": \"hi\", \"customer\": {\"external_id\": \"c\"}}", 404),
            new("GET", $"/v1/projects/{p}/helpdesk/tickets?status=bogus", null, 400, "status"),
            new("GET", $"/v1/projects/{p}/helpdesk/tickets?priority=asap", null, 400, "priority"),
            new("GET", $"/v1/projects/{p}/helpdesk/tickets?assignee_id=bogus", null, 400, "assignee_id"),
            new("GET", $"/v1/projects/{p}/helpdesk/tickets?type_id=bogus", null, 400),
            new("GET", $"/v1/projects/{p}/helpdesk/tickets?overdue=maybe", null, 400),
            new("GET", $"/v1/projects/{p}/helpdesk/tickets?limit=500", null, 400, "limit"),
            new("GET", $"/v1/projects/{p}/helpdesk/tickets?cursor=YWJj", null, 400, "cursor"),
            new("GET", "/v1/helpdesk/tickets/not-a-uuid", null, 404),
            new("GET", $"/v1/helpdesk/tickets/{unknown}", null, 404),
            new("GET", $"/v1/helpdesk/tickets/{t}/messages/not-a-uuid/attachments/0", null, 404),
            new("GET", $"/v1/helpdesk/tickets/{t}/messages/{unknown}/attachments/zero", null, 404),
            new("GET", $"/v1/helpdesk/tickets/{t}/messages/{unknown}/attachments/0", null, 404),
            new("GET", $"/v1/helpdesk/tickets/{t}/messages/{unknown}/attachments/-1", null, 404),
            new("GET", $"/v1/helpdesk/tickets/{t}/messages/{unknown}/attachments/99999999999", null, 404),
            new("PATCH", $"/v1/helpdesk/tickets/{t}", "{\"status\": \"done\"}", 400, "status"),
            new("PATCH", $"/v1/helpdesk/tickets/{t}", "{\"status\": 1}", 400, "status"),
            new("PATCH", $"/v1/helpdesk/tickets/{t}", $"{{\"assignee_id\": \"{unknown}\"}}", 400, "assignee_id"),
            new("PATCH", $"/v1/helpdesk/tickets/{t}", $"{{\"type_id\": \"{unknown}\"}}", 400, "type_id"),
            new("PATCH", $"/v1/helpdesk/tickets/{t}", "{\"stauts\": \"closed\"}", 400, "stauts"),
            new("PATCH", $"/v1/helpdesk/tickets/{unknown}", "{\"status\": \"closed\"}", 404),
            new("POST", $"/v1/helpdesk/tickets/{t}/replies", "{}", 400, "text"),
            new("POST", $"/v1/helpdesk/tickets/{t}/replies", "{\"text\": \"   \"}", 400, "text"),
            new("POST", $"/v1/helpdesk/tickets/{t}/replies", $"{{\"text\": \"{longText}\"}}", 400, "text"),
            new("POST", $"/v1/helpdesk/tickets/{unknown}/replies", "{\"text\": \"hi\"}", 404),
            new("POST", $"/v1/helpdesk/tickets/{t}/customer-reply", "{\"text\": null}", 400, "text"),
            new("POST", $"/v1/helpdesk/tickets/{t}/customer-reply", "{\"text\": [\"a\"]}", 400, "text"),
            new("POST", $"/v1/helpdesk/tickets/{t}/replies", $"{{\"text\": \"hi\", \"canned_reply_id\": \"{unknown}\"}}", 400, "canned_reply_id"),
            new("POST", $"/v1/helpdesk/tickets/{t}/replies", "{\"text\": null}", 400, "canned_reply_id"),
            new("POST", $"/v1/helpdesk/tickets/{t}/replies", "{\"canned_reply_id\": \"nope\"}", 400, "canned_reply_id"),
            new("POST", $"/v1/helpdesk/tickets/{t}/replies", $"{{\"canned_reply_id\": \"{unknown}\"}}", 400, "canned_reply_id"),
            new("POST", $"/v1/helpdesk/tickets/{t}/customer-reply", $"{{\"canned_reply_id\": \"{unknown}\"}}", 400, "canned_reply_id"),
            new("POST", $"/v1/projects/{p}/helpdesk/canned-replies", "{}", 400, "title"),
            new("POST", $"/v1/projects/{p}/helpdesk/canned-replies", "{}", 400, "text"),
            new("POST", $"/v1/projects/{p}/helpdesk/canned-replies", "{\"title\": \"Hi\", \"text\": \"  \"}", 400, "text"),
            new("POST", $"/v1/projects/{p}/helpdesk/canned-replies", $"{{\"title\": \"{longName}\", \"text\": \"Hi\"}}", 400, "title"),
            new("POST", $"/v1/projects/{p}/helpdesk/canned-replies", $"{{\"title\": \"Hi\", \"text\": \"{longText}\"}}", 400, "text"),
            new("POST", $"/v1/projects/{p}/helpdesk/canned-replies", "{\"title\": \"Hi\", \"text\": \"Dear {{customer.age}}\"}", 400, "text"),
            new("POST", $"/v1/projects/{p}/helpdesk/canned-replies", "{\"title\": \"Hi\", \"text\": \"Dear {{customer.name\"}", 400, "text"),
            new("POST", $"/v1/projects/{p}/helpdesk/canned-replies", "{\"title\": 5, \"text\": \"Hi\"}", 400, "title"),
            new("POST", $"/v1/projects/{p}/helpdesk/canned-replies", "{\"title\": \"Hi\", \"text\": \"Hi\", \"body\": \"x\"}", 400, "body"),
            new("GET", $"/v1/projects/{p}/helpdesk/canned-replies?cursor=YWJj", null, 400, "cursor"),
            new("GET", $"/v1/projects/{p}/helpdesk/canned-replies?limit=201", null, 400, "limit"),
            new("PATCH", $"/v1/projects/{p}/helpdesk/canned-replies/{unknown}", "{\"title\": \"Hi\"}", 404),
            new("PATCH", $"/v1/projects/{p}/helpdesk/canned-replies/nope", "{\"title\": \"Hi\"}", 404),
            new("PATCH", $"/v1/projects/{p}/helpdesk/canned-replies/{unknown}", "{\"text\": null}", 400, "text"),
            new("PATCH", $"/v1/projects/{p}/helpdesk/canned-replies/{unknown}", "{\"text\": \"{{agent.nam}}\"}", 400, "text"),
            new("DELETE", $"/v1/projects/{p}/helpdesk/canned-replies/{unknown}", null, 404),
            new("DELETE", $"/v1/projects/{p}/helpdesk/canned-replies/nope", null, 404),
            new("POST", $"/v1/helpdesk/tickets/{t}/canned-replies/{unknown}/render", null, 404),
            new("POST", $"/v1/helpdesk/tickets/{t}/canned-replies/nope/render", null, 404),
            new("POST", $"/v1/helpdesk/tickets/{unknown}/canned-replies/{unknown}/render", null, 404),
            new("POST", $"/v1/projects/{p}/api-keys", "{}", 400, "name"),
            new("DELETE", $"/v1/projects/{p}/api-keys/{unknown}", null, 404),
            new("DELETE", $"/v1/projects/{p}/api-keys/nope", null, 404),
            new("PATCH", $"/v1/projects/{p}", "{}", 400, "name"),
            new("PATCH", $"/v1/projects/{p}", $"{{\"name\": \"{longName}\"}}", 400, "name"),
            new("DELETE", "/v1/projects/nope", null, 404),
            new("GET", $"/v1/projects/{p}/members?cursor=YWJj", null, 400, "cursor"),
            new("POST", $"/v1/projects/{p}/members", "{}", 400, "email"),
            new("POST", $"/v1/projects/{p}/members", "{\"email\": \"a@b.co\"}", 400, "role"),
            new("POST", $"/v1/projects/{p}/members", "{\"email\": \"a@b.co\", \"role\": \"boss\"}", 400, "role"),
            new("POST", $"/v1/projects/{p}/members", "{\"email\": \"a@b.co\", \"role\": \"owner\"}", 400, "role"),
            new("POST", $"/v1/projects/{p}/members", "{\"email\": \"nobody\", \"role\": \"viewer\"}", 400, "email"),
            new("POST", $"/v1/projects/{p}/members", "{\"email\": \"a@b.co\", \"role\": \"viewer\", \"name\": \"A\"}", 400, "name"),
            new("PATCH", $"/v1/projects/{p}/members/{unknown}", "{\"role\": \"viewer\"}", 404),
            new("PATCH", $"/v1/projects/{p}/members/nope", "{\"role\": \"viewer\"}", 404),
            new("PATCH", $"/v1/projects/{p}/members/{unknown}", "{\"role\": null}", 400, "role"),
            new("DELETE", $"/v1/projects/{p}/members/{unknown}", null, 404),
            new("POST", $"/v1/projects/{p}/ownership-transfer", "{}", 400, "to_member_id"),
            new("POST", $"/v1/projects/{p}/ownership-transfer", "{\"to_member_id\": \"nope\"}", 400, "to_member_id"),
            new("POST", $"/v1/projects/{p}/ownership-transfer", $"{{\"to_member_id\": \"{unknown}\"}}", 400, "to_member_id"),
            new("POST", $"/v1/projects/{p}/ownership-transfer/confirm", "{}", 400, "code"),
            new("POST", $"/v1/projects/{p}/ownership-transfer/confirm", "{\"code\": \"12\"}", 400, "code"),
            new("POST", $"/v1/projects/{p}/ownership-transfer/confirm", "{\"code\": \"12345678\"}", 410),
            new("GET", $"/v1/projects/{p}/audit?cursor=%21%21%21", null, 400, "cursor"),
            new("GET", $"/v1/projects/{p}/audit?limit=0", null, 400, "limit"),
            new("GET", $"/v1/projects/{p}/billing/ledger?cursor=%21%21", null, 400, "cursor"),
            new("GET", $"/v1/projects/{p}/billing/ledger?limit=201", null, 400, "limit"),
            new("POST", $"/v1/projects/{p}/billing/checkout", "{}", 400, "pack_id"),
            new("POST", $"/v1/projects/{p}/billing/checkout", "{\"pack_id\": 5}", 400, "pack_id"),
            new("POST", $"/v1/projects/{p}/billing/checkout", "{\"pack_id\": \"credits-10\", \"return_url\": \"https://evil.example/\"}", 400, "return_url"),
            new("PUT", $"/v1/projects/{p}/channels/telegram", "{}", 400, "bot_token"),
            new("PUT", $"/v1/projects/{p}/channels/telegram", "{\"bot_token\": 5}", 400, "bot_token"),
            new("PUT", $"/v1/projects/{p}/channels/telegram", "{\"bot_token\": \"not a token\"}", 400, "bot_token"),
            new("DELETE", $"/v1/projects/{p}/channels/telegram", null, 404),
            new("PATCH", $"/v1/projects/{p}/channels/texts", "{}", 400, "texts"),
            new("PATCH", $"/v1/projects/{p}/channels/texts", "{\"farewell\": \"Bye\"}", 400, "farewell"),
            new("PATCH", $"/v1/projects/{p}/channels/texts", "{\"greeting\": \"\"}", 400, "greeting"),
            new("PATCH", $"/v1/projects/{p}/channels/texts", "{\"greeting\": 7}", 400),
            new("POST", "/v1/channels/telegram/12345/webhook", "{\"update_id\": 1}", 401),
            new("PUT", $"/v1/projects/{p}/channels/max", "{}", 400, "access_token"),
            new("PUT", $"/v1/projects/{p}/channels/max", "{\"access_token\": 5}", 400, "access_token"),
            new("PUT", $"/v1/projects/{p}/channels/max", "{\"access_token\": \"not a token\"}", 400, "access_token"),
            new("PUT", $"/v1/projects/{p}/channels/max", $"{{\"access_token\": \"{new string('a', 513)}\"}}", 400, "access_token"),
            new("PUT", $"/v1/projects/{p}/channels/max", "{\"access_token\": \"f9LHodD0cOKaTokenMaxDoesNotKnow\"}", 400, "access_token"),
            new("PUT", $"/v1/projects/{p}/channels/max", "{\"bot_token\": \"f9LHodD0cOKaTokenMaxDoesNotKnow\"}", 400, "bot_token"),
            new("DELETE", $"/v1/projects/{p}/channels/max", null, 404),
            new("POST", "/v1/channels/max/12345/webhook", "{\"update_type\": \"bot_started\"}", 401),
            new("POST", $"/v1/channels/max/{new string('9', 40)}/webhook", "{}", 401),
        ];

        var failures = new List<string>();
        foreach (var c in cases)
        {
            using var response = c.Body is null
                ? await agent.SendRaw(new HttpMethod(c.Method), c.Path, null)
                : await agent.SendRaw(new HttpMethod(c.Method), c.Path, c.Body, c.ContentType);
            var text = await response.Content.ReadAsStringAsync();
            var label = $"{c.Method} {c.Path[..Math.Min(c.Path.Length, 90)]} {c.Body?[..Math.Min(c.Body.Length, 60)]}";
            if ((int)response.StatusCode != c.Status)
            {
                failures.Add($"{label}: expected {c.Status}, got {(int)response.StatusCode} {text[..Math.Min(text.Length, 300)]}");
                continue;
            }
            if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
            {
                failures.Add($"{label}: content type {response.Content.Headers.ContentType}, body {text[..Math.Min(text.Length, 200)]}");
                continue;
            }
            var problem = JsonDocument.Parse(text).RootElement;
            if (problem.GetProperty("status").GetInt32() != c.Status || string.IsNullOrEmpty(problem.GetProperty("title").GetString())
                || !problem.TryGetProperty("detail", out var detail) || string.IsNullOrEmpty(detail.GetString()))
                failures.Add($"{label}: incomplete problem {text}");
            else if (c.Field is not null && !(problem.TryGetProperty("errors", out var errors) && errors.TryGetProperty(c.Field, out _)))
                failures.Add($"{label}: errors does not name '{c.Field}': {text}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));

        // None of it changed the ticket.
        var ticket = await agent.Get($"/v1/helpdesk/tickets/{t}");
        Assert.Equal("new", ticket.GetProperty("status").GetString());
        Assert.Single(ticket.GetProperty("messages").EnumerateArray());
    }
}
