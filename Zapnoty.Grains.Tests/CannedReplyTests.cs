using System.Net;
using System.Text.Json;
using Npgsql;
using Zapnoty.Grains.CannedReplies;
using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class CannedReplyTests(ClusterFixture cluster)
{
    private static string Replies(Guid projectId) => $"/v1/projects/{projectId}/helpdesk/canned-replies";

    [Fact]
    public async Task Canned_replies_are_shared_by_the_team_listed_by_title_and_audited()
    {
        var owner = await cluster.Api(0).LogInAs();
        var projectId = await owner.CreateProject();
        var (support, _) = await Join(owner, projectId, "support");
        var (viewer, _) = await Join(owner, projectId, "viewer");

        var refund = await owner.Post(Replies(projectId), new { title = "  refund ", text = "We have refunded {{ticket.subject}}." });
        Assert.Equal("refund", refund.GetProperty("title").GetString());
        var greeting = await support.Post(Replies(projectId), new { title = "Greeting", text = "Hi {{customer.first_name|there}}!" });
        var apology = await cluster.Api(1).WithToken(support.Token).Post(Replies(projectId), new { title = "Apology", text = "Sorry!" });

        // Everyone in the team sees the same list, on either silo, by title ignoring case.
        foreach (var member in new[] { owner, support, viewer, cluster.Api(1).WithToken(viewer.Token) })
        {
            var items = (await member.Get(Replies(projectId))).GetProperty("items").EnumerateArray().ToList();
            Assert.Equal(["Apology", "Greeting", "refund"], items.Select(i => i.GetProperty("title").GetString()));
            Assert.Equal("Hi {{customer.first_name|there}}!", items[1].GetProperty("text").GetString());
        }

        // Support changes what the owner wrote; the owner sees it.
        var refundPath = $"{Replies(projectId)}/{refund.GetProperty("id").GetGuid()}";
        var changed = await support.Patch(refundPath, new { text = "Refunded: {{ ticket.subject }}." });
        Assert.Equal("refund", changed.GetProperty("title").GetString());
        Assert.Equal("Refunded: {{ ticket.subject }}.", changed.GetProperty("text").GetString());
        Assert.True(changed.GetProperty("updated_at").GetDateTime() > changed.GetProperty("created_at").GetDateTime());
        var retitled = await owner.Patch(refundPath, new { title = "Refund done" });
        Assert.Equal("Refunded: {{ ticket.subject }}.", retitled.GetProperty("text").GetString());
        Assert.Equal(retitled.GetProperty("updated_at").GetString(), (await owner.Patch(refundPath, new { })).GetProperty("updated_at").GetString());

        // A viewer reads but does not manage.
        await viewer.Call(HttpMethod.Post, Replies(projectId), new { title = "Mine", text = "Hello" }, HttpStatusCode.Forbidden);
        await viewer.Call(HttpMethod.Delete, refundPath, null, HttpStatusCode.Forbidden);

        await support.Call(HttpMethod.Delete, $"{Replies(projectId)}/{apology.GetProperty("id").GetGuid()}", null, HttpStatusCode.NoContent);
        await support.Call(HttpMethod.Delete, $"{Replies(projectId)}/{apology.GetProperty("id").GetGuid()}", null, HttpStatusCode.NotFound);
        var left = (await owner.Get(Replies(projectId))).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("title").GetString());
        Assert.Equal(["Greeting", "Refund done"], left);
        Assert.Equal(greeting.GetProperty("id").GetGuid(), (await owner.Get(Replies(projectId))).GetProperty("items")[0].GetProperty("id").GetGuid());

        // What the grain answers from memory is what a new activation would load.
        var stored = (await new CannedReplyStore(cluster.Database).Load(projectId, CancellationToken.None))
            .OrderBy(r => r.Title).Select(r => (r.Id, r.Title, r.Text, r.CreatedAt.UtcDateTime, r.UpdatedAt.UtcDateTime));
        var answered = (await owner.Get(Replies(projectId))).GetProperty("items").EnumerateArray()
            .Select(i => (i.GetProperty("id").GetGuid(), i.GetProperty("title").GetString()!, i.GetProperty("text").GetString()!,
                i.GetProperty("created_at").GetDateTime().ToUniversalTime(), i.GetProperty("updated_at").GetDateTime().ToUniversalTime()));
        Assert.Equal(stored, answered);

        // Every change is in the audit log; a deletion keeps the text.
        var audit = (await owner.Get($"/v1/projects/{projectId}/audit?limit=200")).GetProperty("items").EnumerateArray()
            .Where(e => e.GetProperty("action").GetString()!.StartsWith("canned_reply.", StringComparison.Ordinal)).Reverse().ToList();
        Assert.Equal(["canned_reply.created", "canned_reply.created", "canned_reply.created", "canned_reply.changed", "canned_reply.changed", "canned_reply.deleted"],
            audit.Select(e => e.GetProperty("action").GetString()));
        var textChange = audit[3].GetProperty("details");
        Assert.Equal("We have refunded {{ticket.subject}}.", textChange.GetProperty("from").GetProperty("text").GetString());
        Assert.False(textChange.GetProperty("from").TryGetProperty("title", out _));
        Assert.Equal("Sorry!", audit[5].GetProperty("details").GetProperty("text").GetString());
    }

    [Fact]
    public async Task The_list_pages_by_cursor_in_title_order()
    {
        var owner = await cluster.Api().LogInAs();
        var projectId = await owner.CreateProject();
        string[] titles = ["delta", "Alpha", "charlie", "Bravo", "echo", "alpha"];
        foreach (var title in titles) await owner.Post(Replies(projectId), new { title, text = "Text of " + title });

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await owner.Get($"{Replies(projectId)}?limit=4{(cursor is null ? "" : "&cursor=" + cursor)}");
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("title").GetString()!));
            cursor = page.GetProperty("next_cursor").GetString();
            pages++;
            // A reply added before the cursor while paging does not shift the next page.
            if (pages == 1) await owner.Post(Replies(projectId), new { title = "Aardvark", text = "Late" });
        } while (cursor is not null);

        Assert.Equal(2, pages);
        Assert.Equal(6, seen.Count);
        Assert.Equal(["bravo", "charlie", "delta", "echo"], seen.Skip(2).Select(t => t.ToLowerInvariant()));
        Assert.Equal(["alpha", "alpha"], seen.Take(2).Select(t => t.ToLowerInvariant()));
    }

    [Fact]
    public async Task Render_fills_in_the_ticket_the_customer_and_the_calling_agent()
    {
        var ownerEmail = $"olga.owner-{Guid.NewGuid():N}@example.com";
        var owner = await cluster.Api(0).LogInAs(ownerEmail);
        var projectId = await owner.CreateProject("Acme Store");
        var billing = (await owner.Post($"/v1/projects/{projectId}/helpdesk/ticket-types", new { name = "Billing" })).GetProperty("id").GetGuid();
        var ticket = await owner.CreateTicket(projectId, "Where is my money?", extra: new
        {
            subject = "Refund for order 17",
            type_id = billing,
            customer = new { external_id = "c-render", name = "Ivan Petrov" },
        });
        var ticketId = ticket.GetProperty("id").GetGuid();
        var number = ticket.GetProperty("number").GetInt64();

        var all = await owner.Post(Replies(projectId), new
        {
            title = "Everything",
            text = "Hi {{customer.first_name}} ({{customer.name}}), about #{{ticket.number}} \"{{ticket.subject}}\" [{{ticket.type}}]: " +
                   "{{agent.name}} from {{ project.name }}.",
        });
        var render = $"/v1/helpdesk/tickets/{ticketId}/canned-replies/{all.GetProperty("id").GetGuid()}/render";

        var rendered = await cluster.Api(1).WithToken(owner.Token).Post(render, new { }, HttpStatusCode.OK);
        var ownerName = ownerEmail.Split('@')[0];
        Assert.Equal($"Hi Ivan (Ivan Petrov), about #{number} \"Refund for order 17\" [Billing]: {ownerName} from Acme Store.",
            rendered.GetProperty("text").GetString());

        // A person whose account has a name is called by it; it is read at every render.
        var (support, _) = await Join(owner, projectId, "support");
        var supportId = (await support.Get("/v1/auth/me")).GetProperty("id").GetGuid();
        await using (var command = cluster.Database.CreateCommand("UPDATE users SET name = 'Maria Sidorova' WHERE id = $1"))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = supportId });
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }
        Assert.EndsWith("Maria Sidorova from Acme Store.", (await support.Post(render, new { }, HttpStatusCode.OK)).GetProperty("text").GetString());

        // An API key is called by the name it was given.
        var key = (await owner.Post($"/v1/projects/{projectId}/api-keys", new { name = "Website bot" })).GetProperty("key").GetString();
        Assert.EndsWith("Website bot from Acme Store.", (await owner.WithToken(key).Post(render, new { }, HttpStatusCode.OK)).GetProperty("text").GetString());

        // Values a ticket lacks take the fallback, or nothing.
        var plain = await owner.CreateTicket(projectId, "Hello", extra: new { customer = new { external_id = "c-anon" } });
        var fallbacks = await owner.Post(Replies(projectId), new { title = "Fallbacks", text = "Hi {{customer.first_name|there}}, type: {{ticket.type|none}}{{customer.name}}." });
        var text = (await owner.Post($"/v1/helpdesk/tickets/{plain.GetProperty("id").GetGuid()}/canned-replies/{fallbacks.GetProperty("id").GetGuid()}/render",
            new { }, HttpStatusCode.OK)).GetProperty("text").GetString();
        Assert.Equal("Hi there, type: none.", text);

        // Rendering changes nothing on the ticket.
        var after = await owner.Get($"/v1/helpdesk/tickets/{ticketId}");
        Assert.Single(after.GetProperty("messages").EnumerateArray());
        Assert.Equal("new", after.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_reply_with_a_canned_reply_id_stores_the_rendered_text_as_a_normal_agent_reply()
    {
        var email = $"anna-{Guid.NewGuid():N}@example.com";
        var agent = await cluster.Api().LogInAs(email);
        var projectId = await agent.CreateProject("Acme");
        var ticket = await agent.CreateTicket(projectId);
        var ticketId = ticket.GetProperty("id").GetGuid();
        var canned = await agent.Post(Replies(projectId), new { title = "Ack", text = "Hello {{customer.first_name|there}}, {{agent.name}} here about #{{ticket.number}}." });
        var cannedId = canned.GetProperty("id").GetGuid();

        var preview = (await agent.Post($"/v1/helpdesk/tickets/{ticketId}/canned-replies/{cannedId}/render", new { }, HttpStatusCode.OK))
            .GetProperty("text").GetString();
        var message = await cluster.Api(1).WithToken(agent.Token).Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { canned_reply_id = cannedId });
        var expected = $"Hello Ivan, {email.Split('@')[0]} here about #{ticket.GetProperty("number").GetInt64()}.";
        Assert.Equal(expected, preview);
        Assert.Equal(expected, message.GetProperty("text").GetString());
        Assert.Equal("agent", message.GetProperty("author").GetString());

        var stored = await agent.Get($"/v1/helpdesk/tickets/{ticketId}");
        Assert.Equal(expected, stored.GetProperty("messages")[1].GetProperty("text").GetString());
        Assert.Equal("in_progress", stored.GetProperty("status").GetString());
        Assert.NotEqual(JsonValueKind.Null, stored.GetProperty("first_reply_at").ValueKind);

        // Changing the canned reply later leaves the sent reply as it was.
        await agent.Patch($"{Replies(projectId)}/{cannedId}", new { text = "Changed" });
        Assert.Equal(expected, (await agent.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages")[1].GetProperty("text").GetString());

        // Exactly one of text and canned_reply_id.
        foreach (var body in new object[] { new { text = "Hi", canned_reply_id = cannedId }, new { }, new { text = (string?)null } })
        {
            var refused = await agent.Call(HttpMethod.Post, $"/v1/helpdesk/tickets/{ticketId}/replies", body, HttpStatusCode.BadRequest);
            Assert.True(refused.GetProperty("errors").TryGetProperty("text", out _));
            Assert.True(refused.GetProperty("errors").TryGetProperty("canned_reply_id", out _));
        }
        Assert.Equal(2, (await agent.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages").GetArrayLength());
    }

    [Fact]
    public async Task A_customer_named_like_a_variable_stays_literal()
    {
        var agent = await cluster.Api().LogInAs();
        var projectId = await agent.CreateProject("Acme");
        var ticket = await agent.CreateTicket(projectId, "{{project.name}}", extra: new
        {
            subject = "{{agent.name}} {{ticket.number|1}}",
            customer = new { external_id = "c-inject", name = "{{agent.name}} {{project.name}}" },
        });
        var ticketId = ticket.GetProperty("id").GetGuid();
        var canned = await agent.Post(Replies(projectId), new { title = "Hi", text = "Dear {{customer.first_name}} / {{customer.name}} / {{ticket.subject}}" });

        var message = await agent.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { canned_reply_id = canned.GetProperty("id").GetGuid() });
        Assert.Equal("Dear {{agent.name}} / {{agent.name}} {{project.name}} / {{agent.name}} {{ticket.number|1}}", message.GetProperty("text").GetString());
    }

    [Fact]
    public async Task Bad_templates_are_refused_naming_the_variable_and_its_position()
    {
        var agent = await cluster.Api().LogInAs();
        var projectId = await agent.CreateProject();

        var unknown = await agent.Call(HttpMethod.Post, Replies(projectId), new { title = "Age", text = "Dear {{customer.age}}" }, HttpStatusCode.BadRequest);
        Assert.Contains("Unknown variable 'customer.age' at position 5", Assert.Single(unknown.GetProperty("errors").GetProperty("text").EnumerateArray()).GetString());

        var several = await agent.Call(HttpMethod.Post, Replies(projectId), new { title = "", text = "{{nope}} and {{customer.name" }, HttpStatusCode.BadRequest);
        var messages = several.GetProperty("errors").GetProperty("text").EnumerateArray().Select(m => m.GetString()!).ToList();
        Assert.Equal(2, messages.Count);
        Assert.Contains("'nope' at position 0", messages[0]);
        Assert.Contains("Unclosed '{{' at position 13", messages[1]);
        Assert.True(several.GetProperty("errors").TryGetProperty("title", out _));

        var good = await agent.Post(Replies(projectId), new { title = "Good", text = "Hi {{customer.name}}" });
        var path = $"{Replies(projectId)}/{good.GetProperty("id").GetGuid()}";
        var patched = await agent.Call(HttpMethod.Patch, path, new { text = "Hi {{ customer.nmae }}" }, HttpStatusCode.BadRequest);
        Assert.Contains("'customer.nmae' at position 3", patched.GetProperty("errors").GetProperty("text")[0].GetString());
        await agent.Call(HttpMethod.Patch, path, new { title = (string?)null }, HttpStatusCode.BadRequest);
        Assert.Equal(["Hi {{customer.name}}"], (await agent.Get(Replies(projectId))).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("text").GetString()));

        // A template within the limit whose values push it over 4,096 characters cannot be sent.
        var longSubject = new string('s', 200);
        var ticketId = (await agent.CreateTicket(projectId, extra: new { subject = longSubject })).GetProperty("id").GetGuid();
        var big = await agent.Post(Replies(projectId), new { title = "Big", text = string.Concat(Enumerable.Repeat("{{ticket.subject}}", 200)) });
        var bigId = big.GetProperty("id").GetGuid();
        var tooLong = await agent.Call(HttpMethod.Post, $"/v1/helpdesk/tickets/{ticketId}/canned-replies/{bigId}/render", new { }, HttpStatusCode.BadRequest);
        Assert.Contains("40000 characters", tooLong.GetProperty("errors").GetProperty("canned_reply_id")[0].GetString());
        await agent.Call(HttpMethod.Post, $"/v1/helpdesk/tickets/{ticketId}/replies", new { canned_reply_id = bigId }, HttpStatusCode.BadRequest);
        Assert.Single((await agent.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages").EnumerateArray());
    }

    [Fact]
    public async Task Another_projects_canned_reply_is_not_found()
    {
        var agent = await cluster.Api().LogInAs();
        var mine = await agent.CreateProject();
        var theirs = await agent.CreateProject();
        var foreign = (await agent.Post(Replies(theirs), new { title = "Theirs", text = "Hello" })).GetProperty("id").GetGuid();
        var ticketId = (await agent.CreateTicket(mine)).GetProperty("id").GetGuid();

        await agent.Call(HttpMethod.Post, $"/v1/helpdesk/tickets/{ticketId}/canned-replies/{foreign}/render", new { }, HttpStatusCode.NotFound);
        await agent.Call(HttpMethod.Patch, $"{Replies(mine)}/{foreign}", new { title = "Mine now" }, HttpStatusCode.NotFound);
        await agent.Call(HttpMethod.Delete, $"{Replies(mine)}/{foreign}", null, HttpStatusCode.NotFound);
        // In a reply body, an id that is not this project's is bad input, like an unknown type_id.
        var refused = await agent.Call(HttpMethod.Post, $"/v1/helpdesk/tickets/{ticketId}/replies", new { canned_reply_id = foreign }, HttpStatusCode.BadRequest);
        Assert.True(refused.GetProperty("errors").TryGetProperty("canned_reply_id", out _));

        // And a person outside a project cannot see its canned replies at all.
        var outsider = await cluster.Api().LogInAs();
        await outsider.Call(HttpMethod.Get, Replies(theirs), null, HttpStatusCode.NotFound);
        Assert.Equal("Theirs", (await agent.Get(Replies(theirs))).GetProperty("items")[0].GetProperty("title").GetString());
    }

    [Fact]
    public async Task A_project_holds_at_most_500_canned_replies()
    {
        var owner = await cluster.Api().LogInAs();
        var projectId = await owner.CreateProject();
        var ownerId = (await owner.Get("/v1/auth/me")).GetProperty("id").GetGuid();
        var project = cluster.Grains.GetGrain<IProjectGrain>(projectId);
        for (var i = 0; i < CannedReplyLimits.MaxPerProject; i++)
            await project.AddCannedReply(Actor.User(ownerId), $"Reply {i:D3}", "Hello");

        await owner.Call(HttpMethod.Post, Replies(projectId), new { title = "One too many", text = "Hello" }, HttpStatusCode.Conflict);
        var page = await owner.Get($"{Replies(projectId)}?limit=200");
        Assert.Equal(200, page.GetProperty("items").GetArrayLength());
        Assert.Equal("Reply 000", page.GetProperty("items")[0].GetProperty("title").GetString());
    }

    private async Task<(ApiClient Client, Guid MemberId)> Join(ApiClient owner, Guid projectId, string role)
    {
        var email = $"member-{Guid.NewGuid():N}@example.com";
        var client = await cluster.Api().LogInAs(email);
        var member = await owner.Post($"/v1/projects/{projectId}/members", new { email, role });
        return (client, member.GetProperty("id").GetGuid());
    }
}
