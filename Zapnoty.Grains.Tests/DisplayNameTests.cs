using System.Net;
using System.Text.Json;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

/// <summary>A person's display name: set with PATCH /v1/auth/me, seen by the team, on tickets and in canned replies, on every silo.</summary>
[Collection(ClusterCollection.Name)]
public sealed class DisplayNameTests(ClusterFixture cluster)
{
    [Fact]
    public async Task A_renamed_agent_appears_renamed_on_every_silo_in_members_assignees_canned_replies_and_login()
    {
        var owner = await cluster.Api(0).LogInAs();
        var projectId = await owner.CreateProject("Acme");
        var email = $"ann-{Guid.NewGuid():N}@example.com";
        await owner.Post($"/v1/projects/{projectId}/members", new { email, role = "support" });
        var ann = await cluster.Api(1).LogInAs(email);
        var annId = (await ann.Get("/v1/auth/me")).GetProperty("id").GetGuid();
        var ticketId = (await owner.CreateTicket(projectId)).GetProperty("id").GetGuid();
        await owner.Patch($"/v1/helpdesk/tickets/{ticketId}", new { assignee_id = annId });
        var canned = await owner.Post($"/v1/projects/{projectId}/helpdesk/canned-replies", new { title = "Sign", text = "Best, {{agent.name}}" });
        var render = $"/v1/helpdesk/tickets/{ticketId}/canned-replies/{canned.GetProperty("id").GetGuid()}/render";

        // Before: no name, so the email shows and agent.name is the email's local part.
        Assert.Equal(JsonValueKind.Null, (await ann.Get("/v1/auth/me")).GetProperty("name").ValueKind);
        Assert.Equal($"Best, {email.Split('@')[0]}", (await ann.Post(render, new { }, HttpStatusCode.OK)).GetProperty("text").GetString());
        Assert.Equal(JsonValueKind.Null, (await Assignee(owner, projectId)).GetProperty("name").ValueKind);   // the project grain has its copy now

        var renamed = await ann.Patch("/v1/auth/me", new { name = "  Ann Lee  " });
        Assert.Equal("Ann Lee", renamed.GetProperty("name").GetString());
        Assert.Equal(email, renamed.GetProperty("email").GetString());

        foreach (var silo in new[] { 0, 1 })
        {
            var asOwner = cluster.Api(silo).WithToken(owner.Token);
            var asAnn = cluster.Api(silo).WithToken(ann.Token);
            Assert.Equal("Ann Lee", (await asAnn.Get("/v1/auth/me")).GetProperty("name").GetString());
            var member = (await asOwner.Get($"/v1/projects/{projectId}/members")).GetProperty("items").EnumerateArray()
                .Single(m => m.GetProperty("email").GetString() == email);
            Assert.Equal("Ann Lee", member.GetProperty("name").GetString());
            Assert.Equal("Ann Lee", (await Assignee(asOwner, projectId)).GetProperty("name").GetString());
            Assert.Equal("Ann Lee", (await asOwner.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("assignee").GetProperty("name").GetString());
            Assert.Equal("Best, Ann Lee", (await asAnn.Post(render, new { }, HttpStatusCode.OK)).GetProperty("text").GetString());
        }

        // The name comes with the next login, and into projects created afterwards.
        var again = await cluster.Api(0).LogInAs(email);
        Assert.Equal("Ann Lee", (await again.Get("/v1/auth/me")).GetProperty("name").GetString());
        var own = await again.CreateProject();
        Assert.Equal("Ann Lee", (await again.Get($"/v1/projects/{own}/members")).GetProperty("items")[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task A_name_added_to_a_project_later_and_a_removed_assignee_keep_the_current_name()
    {
        var owner = await cluster.Api(0).LogInAs();
        var projectId = await owner.CreateProject();
        var email = $"bob-{Guid.NewGuid():N}@example.com";
        var bob = await cluster.Api(1).LogInAs(email);
        await bob.Patch("/v1/auth/me", new { name = "Bob" });

        // An existing account added later is listed with the name it already has.
        var member = await owner.Post($"/v1/projects/{projectId}/members", new { email, role = "support" });
        Assert.Equal("Bob", member.GetProperty("name").GetString());
        var ticketId = (await owner.CreateTicket(projectId)).GetProperty("id").GetGuid();
        await owner.Patch($"/v1/helpdesk/tickets/{ticketId}", new { assignee_id = (await bob.Get("/v1/auth/me")).GetProperty("id").GetGuid() });

        // Removed, then renamed: the ticket still names the former member, as they call themselves now.
        await owner.Call(HttpMethod.Delete, $"/v1/projects/{projectId}/members/{member.GetProperty("id").GetGuid()}", null, HttpStatusCode.NoContent);
        await bob.Patch("/v1/auth/me", new { name = "Robert" });
        var assignee = (await cluster.Api(1).WithToken(owner.Token).Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("assignee");
        Assert.Equal("Robert", assignee.GetProperty("name").GetString());
        Assert.True(assignee.GetProperty("former_member").GetBoolean());
    }

    [Theory]
    [InlineData("{\"name\": \"   \"}", "name")]
    [InlineData("{\"name\": null}", "name")]
    [InlineData("{}", "name")]
    [InlineData("{\"name\": \"Ann\\nLee\"}", "name")]
    [InlineData("{\"name\": \"Ann\\u0007\"}", "name")]
    [InlineData("{\"name\": \"Ann\", \"email\": \"x@y.z\"}", "email")]
    public async Task A_bad_name_is_a_400_naming_the_field_and_changes_nothing(string body, string field)
    {
        var person = await cluster.Api().LogInAs();
        await person.Patch("/v1/auth/me", new { name = "Kept" });
        using var response = await person.SendRaw(HttpMethod.Patch, "/v1/auth/me", body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.Equal("Kept", (await person.Get("/v1/auth/me")).GetProperty("name").GetString());
    }

    [Fact]
    public async Task A_name_is_at_most_80_characters_and_only_a_person_sets_one()
    {
        var person = await cluster.Api().LogInAs();
        Assert.Equal(80, (await person.Patch("/v1/auth/me", new { name = new string('é', 80) })).GetProperty("name").GetString()!.Length);
        await person.Call(HttpMethod.Patch, "/v1/auth/me", new { name = new string('a', 81) }, HttpStatusCode.BadRequest);

        var projectId = await person.CreateProject();
        var key = (await person.Post($"/v1/projects/{projectId}/api-keys", new { name = "crm" })).GetProperty("key").GetString();
        await person.WithToken(key).Call(HttpMethod.Patch, "/v1/auth/me", new { name = "Robot" }, HttpStatusCode.Forbidden);
        await person.WithToken(null).Call(HttpMethod.Patch, "/v1/auth/me", new { name = "Nobody" }, HttpStatusCode.Unauthorized);
    }

    private static async Task<JsonElement> Assignee(ApiClient client, Guid projectId) =>
        (await client.Get($"/v1/projects/{projectId}/helpdesk/tickets")).GetProperty("items")[0].GetProperty("assignee");
}
