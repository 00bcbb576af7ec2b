using System.Net;
using System.Text;
using System.Text.Json;
using Npgsql;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class TeamTests(ClusterFixture cluster)
{
    [Fact]
    public async Task An_invited_colleague_joins_on_first_login_answers_tickets_and_cannot_change_settings()
    {
        var owner = await cluster.Api(0).LogInAs();
        var projectId = await owner.CreateProject();
        var ticketId = (await owner.CreateTicket(projectId)).GetProperty("id").GetGuid();
        var email = $"Colleague-{Guid.NewGuid():N}@Example.com";

        var invited = await owner.Post($"/v1/projects/{projectId}/members", new { email, role = "support" });
        Assert.Equal(email.ToLowerInvariant(), invited.GetProperty("email").GetString());
        Assert.Equal("invited", invited.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, invited.GetProperty("user_id").ValueKind);
        Assert.Contains(cluster.Smtp.Received, m => m.To.Equals(email, StringComparison.OrdinalIgnoreCase) && m.Data.Contains("invited"));

        // First login with that address, on the other silo: the invitation becomes a membership.
        var colleague = await cluster.Api(1).LogInAs(email.ToLowerInvariant());
        var me = (await colleague.Get("/v1/auth/me")).GetProperty("id").GetString();
        var projects = (await colleague.Get("/v1/projects")).GetProperty("items").EnumerateArray().ToList();
        var project = Assert.Single(projects);
        Assert.Equal(projectId, project.GetProperty("id").GetGuid());
        Assert.Equal("support", project.GetProperty("role").GetString());

        var member = (await owner.Get($"/v1/projects/{projectId}/members")).GetProperty("items").EnumerateArray()
            .Single(m => m.GetProperty("email").GetString() == email.ToLowerInvariant());
        Assert.Equal("active", member.GetProperty("status").GetString());
        Assert.Equal(me, member.GetProperty("user_id").GetString());

        // Sees and answers every ticket of the project, within the support role.
        var list = await colleague.Get($"/v1/projects/{projectId}/helpdesk/tickets");
        Assert.Equal(ticketId, Assert.Single(list.GetProperty("items").EnumerateArray()).GetProperty("id").GetGuid());
        await colleague.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = "Hello, I am looking into it." });
        await colleague.Patch($"/v1/helpdesk/tickets/{ticketId}", new { assignee_id = me, status = "waiting" });
        await colleague.Call(HttpMethod.Patch, $"/v1/projects/{projectId}/helpdesk/settings", new { sla_first_reply_hours = 1 }, HttpStatusCode.Forbidden);
        await colleague.Call(HttpMethod.Get, $"/v1/projects/{projectId}/audit", null, HttpStatusCode.Forbidden);

        var audit = await AuditActions(owner, projectId);
        Assert.Contains("member.added", audit);
        Assert.Contains("member.joined", audit);
    }

    [Fact]
    public async Task Admins_manage_support_and_viewers_but_not_admins_or_the_owner()
    {
        var owner = await cluster.Api().LogInAs();
        var projectId = await owner.CreateProject();
        var (admin, adminMember) = await Join(owner, projectId, "admin");
        var (_, otherAdminMember) = await Join(owner, projectId, "admin");
        var ownerMember = await MemberIdOf(owner, projectId, "owner");
        var members = $"/v1/projects/{projectId}/members";

        await admin.Call(HttpMethod.Post, members, new { email = Email(), role = "admin" }, HttpStatusCode.Forbidden);
        await admin.Call(HttpMethod.Patch, $"{members}/{otherAdminMember}", new { role = "viewer" }, HttpStatusCode.Forbidden);
        await admin.Call(HttpMethod.Delete, $"{members}/{otherAdminMember}", null, HttpStatusCode.Forbidden);
        await admin.Call(HttpMethod.Patch, $"{members}/{adminMember}", new { role = "support" }, HttpStatusCode.Forbidden);
        await admin.Call(HttpMethod.Patch, $"{members}/{ownerMember}", new { role = "admin" }, HttpStatusCode.Forbidden);
        await admin.Call(HttpMethod.Delete, $"{members}/{ownerMember}", null, HttpStatusCode.Forbidden);

        // Support and viewers are theirs to manage.
        var support = (await admin.Post(members, new { email = Email(), role = "support" })).GetProperty("id").GetGuid();
        Assert.Equal("viewer", (await admin.Patch($"{members}/{support}", new { role = "viewer" })).GetProperty("role").GetString());
        await admin.Call(HttpMethod.Delete, $"{members}/{support}", null, HttpStatusCode.NoContent);

        // Nobody removes the owner or makes a second one; the owner cannot simply leave.
        await owner.Call(HttpMethod.Delete, $"{members}/{ownerMember}", null, HttpStatusCode.Forbidden);
        var second = await owner.Call(HttpMethod.Patch, $"{members}/{adminMember}", new { role = "owner" }, HttpStatusCode.BadRequest);
        Assert.True(second.GetProperty("errors").TryGetProperty("role", out _));
        await owner.Call(HttpMethod.Post, members, new { email = Email(), role = "owner" }, HttpStatusCode.BadRequest);
        await owner.Call(HttpMethod.Post, $"/v1/projects/{projectId}/leave", null, HttpStatusCode.Conflict);
        await owner.Call(HttpMethod.Post, members, new { email = "not an address", role = "viewer" }, HttpStatusCode.BadRequest);
        await owner.Call(HttpMethod.Post, members, new { email = Email(), role = "boss" }, HttpStatusCode.BadRequest);

        // The owner manages admins; an admin may leave by themselves.
        Assert.Equal("support", (await owner.Patch($"{members}/{otherAdminMember}", new { role = "support" })).GetProperty("role").GetString());
        await admin.Call(HttpMethod.Post, $"/v1/projects/{projectId}/leave", null, HttpStatusCode.NoContent);
        await admin.Call(HttpMethod.Get, $"/v1/projects/{projectId}", null, HttpStatusCode.NotFound);

        var audit = await AuditActions(owner, projectId);
        Assert.Contains("member.role_changed", audit);
        Assert.Contains("member.removed", audit);
        Assert.Contains("member.left", audit);
    }

    [Fact]
    public async Task A_member_is_added_once_and_a_person_with_an_account_is_active_at_once()
    {
        var owner = await cluster.Api().LogInAs();
        var projectId = await owner.CreateProject();
        var email = Email();
        await cluster.Api().LogInAs(email);

        var member = await owner.Post($"/v1/projects/{projectId}/members", new { email, role = "viewer" });
        Assert.Equal("active", member.GetProperty("status").GetString());
        Assert.NotEqual(JsonValueKind.Null, member.GetProperty("user_id").ValueKind);
        var again = await owner.Call(HttpMethod.Post, $"/v1/projects/{projectId}/members", new { email = email.ToUpperInvariant(), role = "support" }, HttpStatusCode.Conflict);
        Assert.Contains(email, again.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Assignment_needs_support_or_above_and_a_removed_assignee_shows_as_former_member_who_can_no_longer_act()
    {
        var owner = await cluster.Api().LogInAs();
        var projectId = await owner.CreateProject();
        var ticketId = (await owner.CreateTicket(projectId)).GetProperty("id").GetGuid();
        var (viewer, _) = await Join(owner, projectId, "viewer");
        var (support, supportMember) = await Join(owner, projectId, "support");
        var viewerId = (await viewer.Get("/v1/auth/me")).GetProperty("id").GetGuid();
        var supportId = (await support.Get("/v1/auth/me")).GetProperty("id").GetGuid();
        var outsiderId = (await (await cluster.Api().LogInAs()).Get("/v1/auth/me")).GetProperty("id").GetGuid();

        var refused = await owner.Call(HttpMethod.Patch, $"/v1/helpdesk/tickets/{ticketId}", new { assignee_id = viewerId }, HttpStatusCode.BadRequest);
        Assert.True(refused.GetProperty("errors").TryGetProperty("assignee_id", out _));
        await owner.Call(HttpMethod.Patch, $"/v1/helpdesk/tickets/{ticketId}", new { assignee_id = outsiderId }, HttpStatusCode.BadRequest);

        var assigned = await owner.Patch($"/v1/helpdesk/tickets/{ticketId}", new { assignee_id = supportId });
        Assert.False(assigned.GetProperty("assignee").GetProperty("former_member").GetBoolean());

        await owner.Call(HttpMethod.Delete, $"/v1/projects/{projectId}/members/{supportMember}", null, HttpStatusCode.NoContent);

        var ticket = await owner.Get($"/v1/helpdesk/tickets/{ticketId}");
        Assert.Equal(supportId, ticket.GetProperty("assignee_id").GetGuid());
        Assert.True(ticket.GetProperty("assignee").GetProperty("former_member").GetBoolean());
        var listed = Assert.Single((await owner.Get($"/v1/projects/{projectId}/helpdesk/tickets?assignee_id={supportId}")).GetProperty("items").EnumerateArray());
        Assert.True(listed.GetProperty("assignee").GetProperty("former_member").GetBoolean());
        Assert.NotNull(listed.GetProperty("assignee").GetProperty("email").GetString());

        // Removed means removed, on both silos.
        await support.Call(HttpMethod.Get, $"/v1/helpdesk/tickets/{ticketId}", null, HttpStatusCode.NotFound);
        await cluster.Api(1).WithToken(support.Token).Call(HttpMethod.Post, $"/v1/helpdesk/tickets/{ticketId}/replies", new { text = "still here?" }, HttpStatusCode.NotFound);
        await owner.Call(HttpMethod.Patch, $"/v1/helpdesk/tickets/{ticketId}", new { assignee_id = supportId }, HttpStatusCode.OK);
        await owner.Call(HttpMethod.Patch, $"/v1/helpdesk/tickets/{ticketId}", new { assignee_id = (Guid?)null }, HttpStatusCode.OK);
        await owner.Call(HttpMethod.Patch, $"/v1/helpdesk/tickets/{ticketId}", new { assignee_id = supportId }, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Ownership_moves_only_with_the_emailed_code_which_is_single_use_and_burns_after_five_wrong_tries()
    {
        var ownerEmail = Email();
        var owner = await cluster.Api(0).LogInAs(ownerEmail);
        var projectId = await owner.CreateProject();
        var (admin, adminMember) = await Join(owner, projectId, "admin");
        var transfer = $"/v1/projects/{projectId}/ownership-transfer";

        await admin.Call(HttpMethod.Post, transfer, new { to_member_id = adminMember }, HttpStatusCode.Forbidden);
        await admin.Call(HttpMethod.Post, $"{transfer}/confirm", new { code = "12345678" }, HttpStatusCode.Forbidden);
        await owner.Call(HttpMethod.Post, $"{transfer}/confirm", new { code = "12345678" }, HttpStatusCode.Gone);
        await owner.Call(HttpMethod.Post, transfer, new { to_member_id = Guid.NewGuid() }, HttpStatusCode.BadRequest);

        // Five wrong tries burn the code: afterwards even the right one is gone.
        var burned = await RequestCode(owner, projectId, adminMember, ownerEmail);
        for (var i = 0; i < 5; i++)
            await owner.Call(HttpMethod.Post, $"{transfer}/confirm", new { code = WrongCode(burned) }, HttpStatusCode.BadRequest);
        await owner.Call(HttpMethod.Post, $"{transfer}/confirm", new { code = burned }, HttpStatusCode.Gone);

        // The latest request wins: the previous code no longer works.
        var first = await RequestCode(owner, projectId, adminMember, ownerEmail);
        var latest = await RequestCode(owner, projectId, adminMember, ownerEmail);
        if (first != latest)
            await owner.Call(HttpMethod.Post, $"{transfer}/confirm", new { code = first }, HttpStatusCode.BadRequest);
        await AssertStoredHashed(projectId, latest);

        var done = await cluster.Api(1).WithToken(owner.Token).Post($"{transfer}/confirm", new { code = latest }, HttpStatusCode.OK);
        Assert.Equal(adminMember, done.GetProperty("owner").GetProperty("id").GetGuid());
        Assert.Equal("admin", done.GetProperty("your_role").GetString());
        await owner.Call(HttpMethod.Post, $"{transfer}/confirm", new { code = latest }, HttpStatusCode.Forbidden);

        var roles = (await admin.Get($"/v1/projects/{projectId}/members")).GetProperty("items").EnumerateArray()
            .Select(m => m.GetProperty("role").GetString()).Order().ToList();
        Assert.Equal(["admin", "owner"], roles);
        Assert.Equal("owner", (await admin.Get($"/v1/projects/{projectId}")).GetProperty("role").GetString());
        Assert.Equal("admin", (await owner.Get($"/v1/projects/{projectId}")).GetProperty("role").GetString());

        // The new owner's code, once used, is gone; and the audit names the handover.
        var audit = await admin.Get($"/v1/projects/{projectId}/audit");
        var entry = audit.GetProperty("items").EnumerateArray().First(e => e.GetProperty("action").GetString() == "ownership.transferred");
        Assert.Equal(ownerEmail, entry.GetProperty("details").GetProperty("from").GetString());
    }

    [Fact]
    public async Task An_expired_transfer_code_is_gone()
    {
        var ownerEmail = Email();
        var owner = await cluster.Api().LogInAs(ownerEmail);
        var projectId = await owner.CreateProject();
        var (_, adminMember) = await Join(owner, projectId, "admin");
        var code = await RequestCode(owner, projectId, adminMember, ownerEmail);

        // Ten minutes pass.
        await using (var command = cluster.Database.CreateCommand("UPDATE ownership_transfers SET expires_at = now() - interval '1 second' WHERE project_id = $1"))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = projectId });
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }
        var gone = await owner.Call(HttpMethod.Post, $"/v1/projects/{projectId}/ownership-transfer/confirm", new { code }, HttpStatusCode.Gone);
        Assert.Contains("expired", gone.GetProperty("detail").GetString());
        Assert.Equal("owner", (await owner.Get($"/v1/projects/{projectId}")).GetProperty("role").GetString());
    }

    [Fact]
    public async Task The_audit_log_records_keys_settings_and_types_newest_first_in_pages()
    {
        var owner = await cluster.Api().LogInAs();
        var ownerId = (await owner.Get("/v1/auth/me")).GetProperty("id").GetString();
        var projectId = await owner.CreateProject();
        var key = await owner.Post($"/v1/projects/{projectId}/api-keys", new { name = "crm" });
        await owner.Call(HttpMethod.Delete, $"/v1/projects/{projectId}/api-keys/{key.GetProperty("id").GetGuid()}", null, HttpStatusCode.NoContent);
        await owner.Patch($"/v1/projects/{projectId}/helpdesk/settings", new { sla_first_reply_hours = 2.5 });
        await owner.Post($"/v1/projects/{projectId}/helpdesk/ticket-types", new { name = "Billing" });

        var first = await owner.Get($"/v1/projects/{projectId}/audit?limit=2");
        var page = first.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["ticket_type.added", "settings.changed"], page.Select(e => e.GetProperty("action").GetString()));
        Assert.Equal(2.5m, page[1].GetProperty("details").GetProperty("to").GetProperty("sla_first_reply_hours").GetDecimal());
        Assert.Equal("user", page[0].GetProperty("actor").GetProperty("kind").GetString());
        Assert.Equal(ownerId, page[0].GetProperty("actor").GetProperty("id").GetString());

        var second = await owner.Get($"/v1/projects/{projectId}/audit?limit=2&cursor={first.GetProperty("next_cursor").GetString()}");
        Assert.Equal(["api_key.revoked", "api_key.created"],
            second.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("action").GetString()));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("next_cursor").ValueKind);
    }

    [Fact]
    public async Task A_deleted_project_and_its_api_keys_answer_404_and_leave_the_owners_list()
    {
        var owner = await cluster.Api().LogInAs();
        var projectId = await owner.CreateProject();
        var ticketId = (await owner.CreateTicket(projectId)).GetProperty("id").GetGuid();
        var key = (await owner.Post($"/v1/projects/{projectId}/api-keys", new { name = "crm" })).GetProperty("key").GetString();

        await owner.Call(HttpMethod.Delete, $"/v1/projects/{projectId}", null, HttpStatusCode.NoContent);

        await owner.Call(HttpMethod.Get, $"/v1/projects/{projectId}", null, HttpStatusCode.NotFound);
        await cluster.Api(1).WithToken(owner.Token).Call(HttpMethod.Get, $"/v1/helpdesk/tickets/{ticketId}", null, HttpStatusCode.NotFound);
        await owner.WithToken(key).Call(HttpMethod.Get, $"/v1/projects/{projectId}/helpdesk/tickets", null, HttpStatusCode.Unauthorized);
        Assert.DoesNotContain((await owner.Get("/v1/projects")).GetProperty("items").EnumerateArray(), p => p.GetProperty("id").GetGuid() == projectId);
    }

    private async Task<(ApiClient Client, Guid MemberId)> Join(ApiClient owner, Guid projectId, string role)
    {
        var email = Email();
        var client = await cluster.Api().LogInAs(email);
        var member = await owner.Post($"/v1/projects/{projectId}/members", new { email, role });
        return (client, member.GetProperty("id").GetGuid());
    }

    private static async Task<Guid> MemberIdOf(ApiClient client, Guid projectId, string role) =>
        (await client.Get($"/v1/projects/{projectId}/members")).GetProperty("items").EnumerateArray()
            .Single(m => m.GetProperty("role").GetString() == role).GetProperty("id").GetGuid();

    [Fact]
    public async Task Wrong_transfer_codes_count_across_new_codes_and_after_ten_a_day_no_code_is_accepted_or_sent()
    {
        var (owner, ownerEmail, projectId, adminMember, transfer) = await ProjectWithAnHeir();

        var code = "";
        for (var round = 0; round < 2; round++)
        {
            code = await RequestCode(owner, projectId, adminMember, ownerEmail);
            for (var i = 0; i < 5; i++)
                await owner.Call(HttpMethod.Post, $"{transfer}/confirm", new { code = WrongCode(code) }, HttpStatusCode.BadRequest);
        }

        // A stolen session gets ten guesses a day, however many codes it asks for.
        var before = cluster.Smtp.CountTo(ownerEmail);
        using (var refused = await owner.Send(HttpMethod.Post, transfer, new { to_member_id = adminMember }))
            Assert.StartsWith("Too many wrong ownership transfer codes for this project; try again in ", await TooManyRequests.Detail(refused, TimeSpan.FromHours(24)));
        using (var refused = await cluster.Api(1).WithToken(owner.Token).Send(HttpMethod.Post, $"{transfer}/confirm", new { code }))
            Assert.StartsWith("Too many wrong ownership transfer codes for this project; try again in ", await TooManyRequests.Detail(refused, TimeSpan.FromHours(24)));
        Assert.Equal(before, cluster.Smtp.CountTo(ownerEmail));
    }

    [Fact]
    public async Task Three_transfer_codes_an_hour_then_429_and_the_last_code_still_works()
    {
        var (owner, ownerEmail, projectId, adminMember, transfer) = await ProjectWithAnHeir();

        var code = "";
        for (var i = 0; i < 3; i++) code = await RequestCode(owner, projectId, adminMember, ownerEmail);
        using (var refused = await cluster.Api(1).WithToken(owner.Token).Send(HttpMethod.Post, transfer, new { to_member_id = adminMember }))
            Assert.StartsWith("Too many ownership transfer codes requested for this project; try again in ", await TooManyRequests.Detail(refused, TimeSpan.FromHours(1)));

        await owner.Post($"{transfer}/confirm", new { code }, HttpStatusCode.OK);
    }

    /// <summary>An owner, their project, an admin to hand it to, and the transfer route.</summary>
    private async Task<(ApiClient Owner, string OwnerEmail, Guid ProjectId, Guid AdminMember, string Transfer)> ProjectWithAnHeir()
    {
        var ownerEmail = Email();
        var owner = await cluster.Api(0).LogInAs(ownerEmail);
        var projectId = await owner.CreateProject();
        var (_, adminMember) = await Join(owner, projectId, "admin");
        return (owner, ownerEmail, projectId, adminMember, $"/v1/projects/{projectId}/ownership-transfer");
    }

    private async Task<string> RequestCode(ApiClient owner, Guid projectId, Guid toMember, string ownerEmail)
    {
        var before = cluster.Smtp.CountTo(ownerEmail);
        var pending = await owner.Post($"/v1/projects/{projectId}/ownership-transfer", new { to_member_id = toMember }, HttpStatusCode.Accepted);
        Assert.Equal(toMember, pending.GetProperty("to_member_id").GetGuid());
        return await cluster.Smtp.WaitForCode(ownerEmail, before);
    }

    private async Task AssertStoredHashed(Guid projectId, string code)
    {
        await using var command = cluster.Database.CreateCommand("SELECT code_hash FROM ownership_transfers WHERE project_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = projectId });
        var stored = (byte[])(await command.ExecuteScalarAsync())!;
        Assert.Equal(32, stored.Length);
        Assert.DoesNotContain(code, Encoding.Latin1.GetString(stored));
    }

    private static async Task<List<string?>> AuditActions(ApiClient client, Guid projectId) =>
        (await client.Get($"/v1/projects/{projectId}/audit?limit=200")).GetProperty("items").EnumerateArray()
            .Select(e => e.GetProperty("action").GetString()).ToList();

    private static string WrongCode(string code) => ((int.Parse(code) + 1) % 100_000_000).ToString("D8");

    private static string Email() => $"person-{Guid.NewGuid():N}@example.com";
}
