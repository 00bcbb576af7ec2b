using System.Net;
using System.Text.Json;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

/// <summary>Finding 7 and the key cap of 22: scoped, expiring, reviewable keys that die with their creator's membership.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ApiKeyScopeTests(ClusterFixture cluster)
{
    private static string Keys(Guid projectId) => $"/v1/projects/{projectId}/api-keys";

    private static async Task<JsonElement> NewKey(ApiClient creator, Guid projectId, object body) => await creator.Post(Keys(projectId), body);

    private static string Secret(JsonElement created) => created.GetProperty("key").GetString()!;

    /// <summary>A new project with its owner and an admin member, both signed in.</summary>
    private async Task<(ApiClient Owner, Guid ProjectId, string AdminEmail, Guid AdminMemberId, ApiClient Admin)> ProjectWithAdmin()
    {
        var owner = await cluster.Api().LogInAs();
        var projectId = await owner.CreateProject();
        var adminEmail = $"admin-{Guid.NewGuid():N}@example.com";
        var memberId = (await owner.Post($"/v1/projects/{projectId}/members", new { email = adminEmail, role = "admin" })).GetProperty("id").GetGuid();
        return (owner, projectId, adminEmail, memberId, await cluster.Api(1).LogInAs(adminEmail));
    }

    [Fact]
    public async Task A_read_only_key_reads_tickets_but_cannot_open_or_change_them()
    {
        var owner = await cluster.Api().LogInAs();
        var projectId = await owner.CreateProject();
        var ticketId = (await owner.CreateTicket(projectId)).GetProperty("id").GetGuid();
        var reader = cluster.Api(1).WithToken(Secret(await NewKey(owner, projectId, new { name = "reports", scopes = new[] { "tickets:read" } })));

        Assert.Equal(1, (await reader.Get($"/v1/projects/{projectId}/helpdesk/tickets")).GetProperty("items").GetArrayLength());
        await reader.Get($"/v1/helpdesk/tickets/{ticketId}");
        await reader.Call(HttpMethod.Post, $"/v1/projects/{projectId}/helpdesk/tickets",
            new { text = "Hi", customer = new { external_id = "c-9" } }, HttpStatusCode.Forbidden);
        await reader.Call(HttpMethod.Patch, $"/v1/helpdesk/tickets/{ticketId}", new { status = "closed" }, HttpStatusCode.Forbidden);
        await reader.Call(HttpMethod.Post, $"/v1/helpdesk/tickets/{ticketId}/replies", new { text = "Hello" }, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_key_made_without_scopes_works_tickets_but_cannot_touch_keys_members_bots_or_webhooks()
    {
        var owner = await cluster.Api().LogInAs();
        var projectId = await owner.CreateProject();
        var created = await NewKey(owner, projectId, new { name = "website" });
        Assert.Equal(["tickets:write"], created.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
        var website = cluster.Api(1).WithToken(Secret(created));

        var ticketId = (await website.CreateTicket(projectId)).GetProperty("id").GetGuid();
        await website.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = "We are on it" });
        await website.Patch($"/v1/helpdesk/tickets/{ticketId}", new { status = "waiting" });

        await website.Call(HttpMethod.Get, Keys(projectId), null, HttpStatusCode.Forbidden);
        await website.Call(HttpMethod.Post, $"/v1/projects/{projectId}/members", new { email = "spy@example.com", role = "admin" }, HttpStatusCode.Forbidden);
        await website.Call(HttpMethod.Post, $"/v1/projects/{projectId}/webhooks",
            new { url = "https://collector.example.com/hook", events = new[] { "ticket.created" } }, HttpStatusCode.Forbidden);
        await website.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/telegram", new { bot_token = "1:x" }, HttpStatusCode.Forbidden);
        await website.Call(HttpMethod.Patch, $"/v1/projects/{projectId}/helpdesk/settings", new { sla_first_reply_hours = 1 }, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task An_admin_key_manages_the_team_but_no_key_can_create_keys()
    {
        var owner = await cluster.Api().LogInAs();
        var projectId = await owner.CreateProject();
        var admin = cluster.Api(1).WithToken(Secret(await NewKey(owner, projectId, new { name = "crm", scopes = new[] { "tickets:write", "admin" } })));

        await admin.Post($"/v1/projects/{projectId}/members", new { email = $"new-{Guid.NewGuid():N}@example.com", role = "support" });
        await admin.Get(Keys(projectId));
        var refused = await admin.Call(HttpMethod.Post, Keys(projectId), new { name = "second", scopes = new[] { "tickets:read" } }, HttpStatusCode.Forbidden);
        Assert.Contains("signed-in person", refused.GetProperty("detail").GetString());
        Assert.Single((await owner.Get(Keys(projectId))).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task Unknown_or_empty_scopes_and_past_expiries_are_refused()
    {
        var owner = await cluster.Api().LogInAs();
        var projectId = await owner.CreateProject();
        foreach (var (body, field) in new (object, string)[]
        {
            (new { name = "x", scopes = new[] { "tickets:delete" } }, "scopes"),
            (new { name = "x", scopes = Array.Empty<string>() }, "scopes"),
            (new { name = "x", expires_at = DateTimeOffset.UtcNow.AddMinutes(-1) }, "expires_at"),
            (new { name = "x", expires_at = DateTimeOffset.UtcNow.AddYears(6) }, "expires_at"),
        })
        {
            var problem = await owner.Call(HttpMethod.Post, Keys(projectId), body, HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        }
    }

    [Fact]
    public async Task A_key_stops_working_when_it_expires()
    {
        var owner = await cluster.Api().LogInAs();
        var projectId = await owner.CreateProject();
        var expiresAt = DateTimeOffset.UtcNow.AddSeconds(3);
        var created = await NewKey(owner, projectId, new { name = "trial", scopes = new[] { "tickets:read" }, expires_at = expiresAt });
        Assert.Equal(expiresAt.UtcDateTime, created.GetProperty("expires_at").GetDateTime(), TimeSpan.FromMilliseconds(1));
        var key = cluster.Api(1).WithToken(Secret(created));

        await key.Get($"/v1/projects/{projectId}/helpdesk/tickets");
        await Task.Delay(expiresAt - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(200));
        await key.Call(HttpMethod.Get, $"/v1/projects/{projectId}/helpdesk/tickets", null, HttpStatusCode.Unauthorized);
        await cluster.Api(0).WithToken(key.Token).Call(HttpMethod.Get, $"/v1/projects/{projectId}/helpdesk/tickets", null, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_key_list_shows_scopes_who_created_each_key_and_when_it_was_last_used()
    {
        var (owner, projectId, adminEmail, _, admin) = await ProjectWithAdmin();
        var created = await NewKey(admin, projectId, new { name = "zapier", scopes = new[] { "admin", "tickets:read" } });

        var listed = (await owner.Get(Keys(projectId))).GetProperty("items").EnumerateArray().Single();
        Assert.Equal(["tickets:read", "admin"], listed.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(adminEmail, listed.GetProperty("created_by").GetProperty("email").GetString());
        Assert.Equal(JsonValueKind.Null, listed.GetProperty("last_used_at").ValueKind);
        Assert.Equal(JsonValueKind.Null, listed.GetProperty("expires_at").ValueKind);

        await cluster.Api(0).WithToken(Secret(created)).Get($"/v1/projects/{projectId}/helpdesk/tickets");
        await Poll.Eventually(async () =>
            (await owner.Get(Keys(projectId))).GetProperty("items")[0].GetProperty("last_used_at").ValueKind == JsonValueKind.String);
    }

    [Fact]
    public async Task Removing_a_member_revokes_the_keys_they_created_at_once()
    {
        var (owner, projectId, _, memberId, admin) = await ProjectWithAdmin();
        var theirs = Secret(await NewKey(admin, projectId, new { name = "backdoor", scopes = new[] { "admin" } }));
        var ours = Secret(await NewKey(owner, projectId, new { name = "website" }));
        var tickets = $"/v1/projects/{projectId}/helpdesk/tickets";
        await cluster.Api(0).WithToken(theirs).Get(tickets);
        await cluster.Api(1).WithToken(theirs).Get(tickets);

        await owner.Call(HttpMethod.Delete, $"/v1/projects/{projectId}/members/{memberId}", null, HttpStatusCode.NoContent);

        await cluster.Api(0).WithToken(theirs).Call(HttpMethod.Get, tickets, null, HttpStatusCode.Unauthorized);
        await cluster.Api(1).WithToken(theirs).Call(HttpMethod.Get, tickets, null, HttpStatusCode.Unauthorized);
        await cluster.Api(1).WithToken(ours).Get(tickets);
        var keys = (await owner.Get(Keys(projectId))).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(JsonValueKind.String, keys.Single(k => k.GetProperty("name").GetString() == "backdoor").GetProperty("revoked_at").ValueKind);
        var revoked = (await owner.Get($"/v1/projects/{projectId}/audit?action=api_key.revoked")).GetProperty("items").EnumerateArray().Single();
        Assert.Equal("creator_removed", revoked.GetProperty("details").GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Demoting_an_admin_revokes_their_keys_above_the_new_role_and_keeps_the_rest()
    {
        var (owner, projectId, _, memberId, admin) = await ProjectWithAdmin();
        var adminKey = cluster.Api(0).WithToken(Secret(await NewKey(admin, projectId, new { name = "admin key", scopes = new[] { "admin" } })));
        var workKey = cluster.Api(0).WithToken(Secret(await NewKey(admin, projectId, new { name = "work key", scopes = new[] { "tickets:write" } })));
        var tickets = $"/v1/projects/{projectId}/helpdesk/tickets";
        await adminKey.Get(tickets);

        await owner.Patch($"/v1/projects/{projectId}/members/{memberId}", new { role = "support" });

        await adminKey.Call(HttpMethod.Get, tickets, null, HttpStatusCode.Unauthorized);
        await workKey.CreateTicket(projectId);
        var revoked = (await owner.Get($"/v1/projects/{projectId}/audit?action=api_key.revoked")).GetProperty("items").EnumerateArray().Single();
        Assert.Equal("creator_demoted", revoked.GetProperty("details").GetProperty("reason").GetString());
    }

    [Fact]
    public async Task A_member_who_leaves_takes_their_keys_with_them()
    {
        var (_, projectId, _, _, admin) = await ProjectWithAdmin();
        var theirs = cluster.Api(0).WithToken(Secret(await NewKey(admin, projectId, new { name = "mine" })));
        await theirs.Get($"/v1/projects/{projectId}/helpdesk/tickets");

        await admin.Call(HttpMethod.Post, $"/v1/projects/{projectId}/leave", null, HttpStatusCode.NoContent);

        await theirs.Call(HttpMethod.Get, $"/v1/projects/{projectId}/helpdesk/tickets", null, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_project_holds_at_most_50_active_keys_and_lists_them_in_pages()
    {
        var owner = await cluster.Api().LogInAs();
        var projectId = await owner.CreateProject();
        var ids = new List<Guid>();
        for (var i = 0; i < 50; i++)
            ids.Add((await NewKey(owner, projectId, new { name = $"key {i}", scopes = new[] { "tickets:read" } })).GetProperty("id").GetGuid());

        var full = await owner.Call(HttpMethod.Post, Keys(projectId), new { name = "one too many" }, HttpStatusCode.Conflict);
        Assert.Contains("50", full.GetProperty("detail").GetString());
        await owner.Call(HttpMethod.Delete, $"{Keys(projectId)}/{ids[0]}", null, HttpStatusCode.NoContent);
        ids.Add((await NewKey(owner, projectId, new { name = "replacement" })).GetProperty("id").GetGuid());

        var seen = new List<Guid>();
        string? cursor = null;
        do
        {
            var page = await owner.Get($"{Keys(projectId)}?limit=20" + (cursor is null ? "" : $"&cursor={cursor}"));
            Assert.True(page.GetProperty("items").GetArrayLength() <= 20);
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(k => k.GetProperty("id").GetGuid()));
            cursor = page.GetProperty("next_cursor").GetString();
        } while (cursor is not null);
        Assert.Equal(ids, seen);
    }
}
