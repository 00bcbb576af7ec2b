using System.Net;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class AccessTests(ClusterFixture cluster)
{
    [Fact]
    public async Task Another_projects_tickets_and_settings_answer_404_as_if_they_did_not_exist()
    {
        var alice = await cluster.Api().LogInAs();
        var bob = await cluster.Api(1).LogInAs();
        var aliceProject = await alice.CreateProject();
        var bobProject = await bob.CreateProject();
        var aliceTicket = (await alice.CreateTicket(aliceProject)).GetProperty("id").GetGuid();
        var bobKey = (await bob.Post($"/v1/projects/{bobProject}/api-keys", new { name = "crm" })).GetProperty("key").GetString();

        foreach (var intruder in new[] { bob, bob.WithToken(bobKey) })
        {
            await intruder.Call(HttpMethod.Get, $"/v1/helpdesk/tickets/{aliceTicket}", null, HttpStatusCode.NotFound);
            await intruder.Call(HttpMethod.Patch, $"/v1/helpdesk/tickets/{aliceTicket}", new { status = "closed" }, HttpStatusCode.NotFound);
            await intruder.Call(HttpMethod.Post, $"/v1/helpdesk/tickets/{aliceTicket}/replies", new { text = "hi" }, HttpStatusCode.NotFound);
            await intruder.Call(HttpMethod.Get, $"/v1/projects/{aliceProject}", null, HttpStatusCode.NotFound);
            await intruder.Call(HttpMethod.Get, $"/v1/projects/{aliceProject}/helpdesk/tickets", null, HttpStatusCode.NotFound);
            await intruder.Call(HttpMethod.Get, $"/v1/projects/{aliceProject}/helpdesk/settings", null, HttpStatusCode.NotFound);
            await intruder.Call(HttpMethod.Post, $"/v1/projects/{aliceProject}/helpdesk/tickets",
                new { text = "x", customer = new { external_id = "c" } }, HttpStatusCode.NotFound);
        }
        // Unknown and foreign look the same.
        var unknown = await bob.Call(HttpMethod.Get, $"/v1/projects/{Guid.NewGuid()}", null, HttpStatusCode.NotFound);
        Assert.Equal("Not found", unknown.GetProperty("title").GetString());

        var ticket = await alice.Get($"/v1/helpdesk/tickets/{aliceTicket}");
        Assert.Equal("new", ticket.GetProperty("status").GetString());
        Assert.Single(ticket.GetProperty("messages").EnumerateArray());
    }

    [Fact]
    public async Task Requests_without_a_valid_credential_answer_401_with_problem_details()
    {
        var anonymous = cluster.Api();
        foreach (var token in new string?[] { null, "zs_not-a-real-token", "zk_not-a-real-key", "garbage" })
        {
            using var response = await anonymous.WithToken(token).Send(HttpMethod.Get, "/v1/projects");
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString());
        }
    }

    [Fact]
    public async Task An_api_key_acts_on_its_own_project_only_and_stops_working_when_revoked()
    {
        var owner = await cluster.Api().LogInAs();
        var projectId = await owner.CreateProject();
        var created = await owner.Post($"/v1/projects/{projectId}/api-keys", new { name = "crm" });
        var key = owner.WithToken(created.GetProperty("key").GetString());
        Assert.StartsWith("zk_", key.Token);

        await key.CreateTicket(projectId);
        await key.Call(HttpMethod.Post, "/v1/projects", new { name = "Other", slug = "other-by-key" }, HttpStatusCode.Forbidden);
        var listed = await owner.Get($"/v1/projects/{projectId}/api-keys");
        Assert.DoesNotContain(created.GetProperty("key").GetString()!, listed.ToString());

        await owner.Call(HttpMethod.Delete, $"/v1/projects/{projectId}/api-keys/{created.GetProperty("id").GetGuid()}", null, HttpStatusCode.NoContent);
        // Revocation reaches every silo at once: the credential grain is the only cache.
        await cluster.Api(0).WithToken(key.Token).Call(HttpMethod.Get, $"/v1/projects/{projectId}/helpdesk/tickets", null, HttpStatusCode.Unauthorized);
        await cluster.Api(1).WithToken(key.Token).Call(HttpMethod.Get, $"/v1/projects/{projectId}/helpdesk/tickets", null, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Login_code_is_single_use_survives_a_few_typos_and_logout_revokes_the_session()
    {
        var api = cluster.Api();
        var email = $"Person-{Guid.NewGuid():N}@Example.com";
        var lower = email.ToLowerInvariant();

        await api.Call(HttpMethod.Post, "/v1/auth/login", new { email }, HttpStatusCode.Accepted);
        var code = await cluster.Smtp.WaitForCode(lower, 0);
        var wrong = code == "00000000" ? "11111111" : "00000000";
        // Typos are counted (LoginLimitTests: a back-off after 3, a budget of 10 a day), but they do not burn the code.
        for (var i = 0; i < 2; i++)
            await api.Call(HttpMethod.Post, "/v1/auth/verify", new { email, code = wrong }, HttpStatusCode.BadRequest);
        await api.Call(HttpMethod.Post, "/v1/auth/verify", new { email, code = code[..6] }, HttpStatusCode.BadRequest);

        var session = await api.Call(HttpMethod.Post, "/v1/auth/verify", new { email, code }, HttpStatusCode.OK);
        Assert.Equal(lower, session.GetProperty("user").GetProperty("email").GetString());
        await api.Call(HttpMethod.Post, "/v1/auth/verify", new { email, code }, HttpStatusCode.BadRequest);

        var person = api.WithToken(session.GetProperty("token").GetString());
        await person.Get("/v1/projects");
        await person.Call(HttpMethod.Post, "/v1/auth/logout", null, HttpStatusCode.NoContent);
        await person.Call(HttpMethod.Get, "/v1/projects", null, HttpStatusCode.Unauthorized);
        await cluster.Api(1).WithToken(person.Token).Call(HttpMethod.Get, "/v1/projects", null, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_same_person_logging_in_twice_is_one_account_that_sees_its_projects()
    {
        var email = $"same-{Guid.NewGuid():N}@example.com";
        var first = await cluster.Api(0).LogInAs(email);
        var projectId = await first.CreateProject("Shop");
        var second = await cluster.Api(1).LogInAs(email);

        var projects = await second.Get("/v1/projects");
        var only = Assert.Single(projects.GetProperty("items").EnumerateArray());
        Assert.Equal(projectId, only.GetProperty("id").GetGuid());
        Assert.Equal("owner", only.GetProperty("role").GetString());
    }

    [Fact]
    public async Task A_taken_slug_is_a_409_naming_the_slug()
    {
        var owner = await cluster.Api().LogInAs();
        var slug = $"s-{Guid.NewGuid():N}"[..16];
        await owner.Post("/v1/projects", new { name = "One", slug });
        var conflict = await owner.Call(HttpMethod.Post, "/v1/projects", new { name = "Two", slug }, HttpStatusCode.Conflict);
        Assert.Contains(slug, conflict.GetProperty("detail").GetString());
    }
}
