using System.Net;
using System.Text.Json;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class TagTests(ClusterFixture cluster) : IAsyncLifetime
{
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.Start();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private static string Tags(Guid projectId) => $"/v1/projects/{projectId}/tags";

    private static async Task<Guid> NewTag(ApiClient owner, Guid projectId, string name, string? color = null) =>
        (await owner.Post(Tags(projectId), color is null ? new { name } : new { name, color })).GetProperty("id").GetGuid();

    private static IEnumerable<string?> Names(JsonElement ticket) =>
        ticket.GetProperty("tags").EnumerateArray().Select(t => t.GetProperty("name").GetString());

    private static IEnumerable<long> Numbers(JsonElement page) =>
        page.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("number").GetInt64());

    [Fact]
    public async Task Tags_are_created_renamed_recoloured_and_removed_with_unique_names_and_checked_colours()
    {
        var owner = await cluster.Api(0).LogInAs();
        var projectId = await owner.CreateProject();

        var refund = await owner.Post(Tags(projectId), new { name = " Refund ", color = "#EF4444" });
        Assert.Equal("Refund", refund.GetProperty("name").GetString());
        Assert.Equal("#ef4444", refund.GetProperty("color").GetString());
        Assert.False(refund.GetProperty("archived").GetBoolean());

        // Names are unique ignoring case; a colour is #rrggbb; no name may hold U+0000.
        var duplicate = await owner.Call(HttpMethod.Post, Tags(projectId), new { name = "REFUND" }, HttpStatusCode.Conflict);
        Assert.Contains("already exists", duplicate.GetProperty("detail").GetString());
        var badColor = await owner.Call(HttpMethod.Post, Tags(projectId), new { name = "VIP", color = "red" }, HttpStatusCode.BadRequest);
        Assert.True(badColor.GetProperty("errors").TryGetProperty("color", out _));
        await owner.Call(HttpMethod.Post, Tags(projectId), new { name = "V\u0000IP" }, HttpStatusCode.BadRequest);
        await owner.Call(HttpMethod.Post, Tags(projectId), new { name = "   " }, HttpStatusCode.BadRequest);
        await owner.Call(HttpMethod.Post, Tags(projectId), new { name = new string('x', 51) }, HttpStatusCode.BadRequest);

        // Without a colour, one of the palette.
        var vip = await owner.Post(Tags(projectId), new { name = "vip" });
        var palette = (await owner.Get(Tags(projectId))).GetProperty("palette").EnumerateArray().Select(c => c.GetString()).ToList();
        Assert.Contains(vip.GetProperty("color").GetString(), palette);

        var vipPath = $"{Tags(projectId)}/{vip.GetProperty("id").GetGuid()}";
        var renamed = await owner.Patch(vipPath, new { name = "VIP customer", color = "#3b82f6" });
        Assert.Equal(("VIP customer", "#3b82f6"), (renamed.GetProperty("name").GetString(), renamed.GetProperty("color").GetString()));
        await owner.Call(HttpMethod.Patch, vipPath, new { name = "refund" }, HttpStatusCode.Conflict);
        await owner.Call(HttpMethod.Patch, vipPath, new { color = "#12345" }, HttpStatusCode.BadRequest);

        // Every silo answers the same list, by name.
        foreach (var silo in new[] { 0, 1 })
            Assert.Equal(["Refund", "VIP customer"], (await cluster.Api(silo).WithToken(owner.Token).Get(Tags(projectId))).GetProperty("items")
                .EnumerateArray().Select(t => t.GetProperty("name").GetString()));

        // A tag no ticket has is simply gone.
        await owner.Call(HttpMethod.Delete, vipPath, null, HttpStatusCode.NoContent);
        await owner.Call(HttpMethod.Delete, vipPath, null, HttpStatusCode.NotFound);
        Assert.Equal(["Refund"], (await owner.Get($"{Tags(projectId)}?include_archived=true")).GetProperty("items")
            .EnumerateArray().Select(t => t.GetProperty("name").GetString()));

        var audit = (await owner.Get($"/v1/projects/{projectId}/audit?action=tag")).GetProperty("items").EnumerateArray()
            .Select(e => e.GetProperty("action").GetString()).Reverse();
        Assert.Equal(["tag.created", "tag.created", "tag.changed", "tag.deleted"], audit);
    }

    [Fact]
    public async Task Tagging_a_ticket_replaces_its_set_filters_the_list_is_in_its_history_and_sends_tags_changed()
    {
        var owner = await cluster.Api(0).LogInAs();
        var projectId = await owner.CreateProject();
        await owner.Post($"/v1/projects/{projectId}/webhooks", new { url = _receiver.Url(), events = new[] { "ticket.tags_changed" } });
        var billing = await NewTag(owner, projectId, "Billing", "#22c55e");
        var urgent = await NewTag(owner, projectId, "Urgent");
        var first = (await owner.CreateTicket(projectId)).GetProperty("id").GetGuid();
        var second = (await owner.CreateTicket(projectId, externalId: "customer-2")).GetProperty("id").GetGuid();
        await owner.CreateTicket(projectId, externalId: "customer-3");

        var tagged = await owner.Call(HttpMethod.Put, $"/v1/helpdesk/tickets/{first}/tags", new { tag_ids = new[] { urgent, billing, urgent } }, HttpStatusCode.OK);
        Assert.Equal(["Billing", "Urgent"], Names(tagged));
        Assert.Equal("#22c55e", tagged.GetProperty("tags")[0].GetProperty("color").GetString());
        await cluster.Api(1).WithToken(owner.Token).Call(HttpMethod.Put, $"/v1/helpdesk/tickets/{second}/tags", new { tag_ids = new[] { urgent } }, HttpStatusCode.OK);

        // The list filters by tag, newest first, paged by cursor, and shows each ticket's tags.
        var list = $"/v1/projects/{projectId}/helpdesk/tickets";
        Assert.Equal([1L], Numbers(await owner.Get($"{list}?tag_id={billing}")));
        var urgentPage = await owner.Get($"{list}?tag_id={urgent}&limit=1");
        Assert.Equal([2L], Numbers(urgentPage));
        Assert.Equal([1L], Numbers(await owner.Get($"{list}?tag_id={urgent}&limit=1&cursor={urgentPage.GetProperty("next_cursor").GetString()}")));
        Assert.Empty(Numbers(await owner.Get($"{list}?tag_id={Guid.NewGuid()}")));
        var all = (await owner.Get(list)).GetProperty("items");
        Assert.Equal(["", "Urgent", "Billing,Urgent"], all.EnumerateArray().Select(t => string.Join(",", Names(t))));

        // One history entry per change; a PUT of the same set changes nothing.
        await owner.Call(HttpMethod.Put, $"/v1/helpdesk/tickets/{first}/tags", new { tag_ids = new[] { billing, urgent } }, HttpStatusCode.OK);
        await owner.Call(HttpMethod.Put, $"/v1/helpdesk/tickets/{first}/tags", new { tag_ids = new[] { billing } }, HttpStatusCode.OK);
        var details = await owner.Get($"/v1/helpdesk/tickets/{first}");
        var history = details.GetProperty("history").EnumerateArray().Where(h => h.GetProperty("field").GetString() == "tags")
            .Select(h => (h.GetProperty("from").GetString(), h.GetProperty("to").GetString()));
        Assert.Equal(new (string?, string?)[] { (null, "Billing, Urgent"), ("Billing, Urgent", "Billing") }, history);

        // Webhooks say what was added and removed, with the ticket as it now is.
        var events = await _receiver.WaitFor(r => r.Count(e => e.Type == "ticket.tags_changed") >= 3);
        var removal = events.Last(e => e.TicketId == first).Data;
        Assert.Empty(removal.GetProperty("added").EnumerateArray());
        Assert.Equal(["Urgent"], removal.GetProperty("removed").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        Assert.Equal(["Billing"], Names(removal.GetProperty("ticket")));
        Assert.Equal(3, _receiver.Received.Count(e => e.Type == "ticket.tags_changed"));

        // A renamed tag shows its new name on the ticket.
        await owner.Patch($"{Tags(projectId)}/{billing}", new { name = "Payments" });
        Assert.Equal(["Payments"], Names(await owner.Get($"/v1/helpdesk/tickets/{first}")));
        Assert.Equal(["Payments"], Names((await owner.Get($"{list}?tag_id={billing}")).GetProperty("items")[0]));

        // Unknown tags, other projects' tags, and more than ten tags are refused.
        var otherProject = await owner.CreateProject();
        var foreign = await NewTag(owner, otherProject, "Foreign");
        foreach (var wrong in new[] { Guid.NewGuid(), foreign })
        {
            var problem = await owner.Call(HttpMethod.Put, $"/v1/helpdesk/tickets/{first}/tags", new { tag_ids = new[] { wrong } }, HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty("tag_ids", out _));
        }
        var eleven = new List<Guid>();
        for (var i = 0; i < 11; i++) eleven.Add(await NewTag(owner, projectId, $"T{i}"));
        await owner.Call(HttpMethod.Put, $"/v1/helpdesk/tickets/{first}/tags", new { tag_ids = eleven }, HttpStatusCode.UnprocessableEntity);
        await owner.Call(HttpMethod.Put, $"/v1/helpdesk/tickets/{first}/tags", new { }, HttpStatusCode.BadRequest);
        Assert.Equal(["Payments"], Names(await owner.Get($"/v1/helpdesk/tickets/{first}")));
    }

    [Fact]
    public async Task A_removed_tag_that_tickets_have_is_archived_they_keep_it_and_no_other_ticket_gets_it()
    {
        var owner = await cluster.Api(0).LogInAs();
        var projectId = await owner.CreateProject();
        var legacy = await NewTag(owner, projectId, "Legacy");
        var other = await NewTag(owner, projectId, "Other");
        var kept = (await owner.CreateTicket(projectId)).GetProperty("id").GetGuid();
        var fresh = (await owner.CreateTicket(projectId, externalId: "customer-2")).GetProperty("id").GetGuid();
        await owner.Call(HttpMethod.Put, $"/v1/helpdesk/tickets/{kept}/tags", new { tag_ids = new[] { legacy } }, HttpStatusCode.OK);

        await owner.Call(HttpMethod.Delete, $"{Tags(projectId)}/{legacy}", null, HttpStatusCode.NoContent);
        Assert.Equal(["Other"], (await owner.Get(Tags(projectId))).GetProperty("items").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        var archived = (await owner.Get($"{Tags(projectId)}?include_archived=true")).GetProperty("items").EnumerateArray()
            .Single(t => t.GetProperty("id").GetGuid() == legacy);
        Assert.True(archived.GetProperty("archived").GetBoolean());

        var ticket = await owner.Get($"/v1/helpdesk/tickets/{kept}");
        Assert.True(ticket.GetProperty("tags")[0].GetProperty("archived").GetBoolean());
        var refused = await owner.Call(HttpMethod.Put, $"/v1/helpdesk/tickets/{fresh}/tags", new { tag_ids = new[] { legacy } }, HttpStatusCode.UnprocessableEntity);
        Assert.Contains("archived", refused.GetProperty("detail").GetString());
        // The ticket that has it keeps it while its other tags change.
        var both = await owner.Call(HttpMethod.Put, $"/v1/helpdesk/tickets/{kept}/tags", new { tag_ids = new[] { legacy, other } }, HttpStatusCode.OK);
        Assert.Equal(["Legacy", "Other"], Names(both));
        // An archived tag cannot be changed, and its name is free again.
        await owner.Call(HttpMethod.Patch, $"{Tags(projectId)}/{legacy}", new { name = "Older" }, HttpStatusCode.NotFound);
        await NewTag(owner, projectId, "legacy");
        Assert.Equal(["tag.archived"], (await owner.Get($"/v1/projects/{projectId}/audit?action=tag.archived")).GetProperty("items")
            .EnumerateArray().Select(e => e.GetProperty("action").GetString()));
    }

    [Fact]
    public async Task A_canned_reply_adds_its_tags_to_the_ticket_it_is_sent_on_skipping_archived_ones()
    {
        var owner = await cluster.Api(0).LogInAs();
        var projectId = await owner.CreateProject();
        var billing = await NewTag(owner, projectId, "Billing");
        var refund = await NewTag(owner, projectId, "Refund");
        var replies = $"/v1/projects/{projectId}/helpdesk/canned-replies";

        // A tag that is not a live tag of the project refuses the canned reply, which is not created.
        var refused = await owner.Call(HttpMethod.Post, replies, new { title = "Refunded", text = "Refunded.", tag_ids = new[] { Guid.NewGuid() } }, HttpStatusCode.BadRequest);
        Assert.True(refused.GetProperty("errors").TryGetProperty("tag_ids", out _));
        Assert.Empty((await owner.Get(replies)).GetProperty("items").EnumerateArray());

        var canned = await owner.Post(replies, new { title = "Refunded", text = "We refunded you.", tag_ids = new[] { refund } });
        Assert.Equal([refund], canned.GetProperty("tag_ids").EnumerateArray().Select(t => t.GetGuid()));
        var cannedId = canned.GetProperty("id").GetGuid();

        var ticket = (await owner.CreateTicket(projectId)).GetProperty("id").GetGuid();
        await owner.Call(HttpMethod.Put, $"/v1/helpdesk/tickets/{ticket}/tags", new { tag_ids = new[] { billing } }, HttpStatusCode.OK);
        await owner.Post($"/v1/helpdesk/tickets/{ticket}/replies", new { canned_reply_id = cannedId });
        var tagged = await owner.Get($"/v1/helpdesk/tickets/{ticket}");
        Assert.Equal(["Billing", "Refund"], Names(tagged));
        Assert.Equal("We refunded you.", tagged.GetProperty("messages").EnumerateArray().Last().GetProperty("text").GetString());
        Assert.Equal("Billing, Refund", tagged.GetProperty("history").EnumerateArray().Last(h => h.GetProperty("field").GetString() == "tags")
            .GetProperty("to").GetString());

        // Once the tag is archived, the reply is still sent and adds nothing.
        await owner.Call(HttpMethod.Delete, $"{Tags(projectId)}/{refund}", null, HttpStatusCode.NoContent);
        var other = (await owner.CreateTicket(projectId, externalId: "customer-2")).GetProperty("id").GetGuid();
        await owner.Post($"/v1/helpdesk/tickets/{other}/replies", new { canned_reply_id = cannedId });
        Assert.Empty(Names(await owner.Get($"/v1/helpdesk/tickets/{other}")));

        var cleared = await owner.Patch($"{replies}/{cannedId}", new { tag_ids = Array.Empty<Guid>() });
        Assert.Empty(cleared.GetProperty("tag_ids").EnumerateArray());
        Assert.Equal("Refunded", cleared.GetProperty("title").GetString());
    }
    [Fact]
    public async Task A_canned_reply_and_its_tags_are_one_write_the_database_takes_both_or_neither()
    {
        var owner = await cluster.Api(0).LogInAs();
        var projectId = await owner.CreateProject();
        var refund = await NewTag(owner, projectId, "Refund");
        var cannedId = (await owner.Post($"/v1/projects/{projectId}/helpdesk/canned-replies",
            new { title = "Refunded", text = "We refunded you.", tag_ids = new[] { refund } })).GetProperty("id").GetGuid();
        var ticket = (await owner.CreateTicket(projectId)).GetProperty("id").GetGuid();

        // The database refuses this ticket's tag row (as a lost connection or a full disk would mid-write): the reply goes with it.
        // Through the ticket grain, so the refusal is no 500 of the API.
        var refuse = $"refuse_tags_{Guid.NewGuid():N}";
        await Sql($"""
            CREATE FUNCTION {refuse}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$;
            CREATE TRIGGER {refuse} BEFORE INSERT ON ticket_tags FOR EACH ROW WHEN (NEW.ticket_id = '{ticket}') EXECUTE FUNCTION {refuse}();
            """);
        try
        {
            var me = Zapnoty.Grains.Actor.User((await owner.Get("/v1/auth/me")).GetProperty("id").GetGuid());
            await Assert.ThrowsAnyAsync<Exception>(() =>
                cluster.Grains.GetGrain<Zapnoty.Grains.Tickets.ITicketGrain>(ticket).Reply(new Zapnoty.Grains.Tickets.AgentReply(me, "We refunded you.", TagIds: [refund])));
        }
        finally
        {
            await Sql($"DROP TRIGGER {refuse} ON ticket_tags; DROP FUNCTION {refuse}();");
        }
        var untouched = await owner.Get($"/v1/helpdesk/tickets/{ticket}");
        Assert.Empty(Names(untouched));
        Assert.Equal(["customer"], untouched.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("author").GetString()));

        // Through the API, both land in one change: the reply, its status change and the tags share one time.
        await owner.Post($"/v1/helpdesk/tickets/{ticket}/replies", new { canned_reply_id = cannedId });
        var tagged = await owner.Get($"/v1/helpdesk/tickets/{ticket}");
        Assert.Equal(["Refund"], Names(tagged));
        Assert.Equal(["customer", "agent"], tagged.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("author").GetString()));
        var history = tagged.GetProperty("history").EnumerateArray().ToList();
        var at = history.Single(h => h.GetProperty("field").GetString() == "tags").GetProperty("at").GetString();
        Assert.Equal(at, history.Last(h => h.GetProperty("field").GetString() == "status").GetProperty("at").GetString());
        Assert.Equal(at, tagged.GetProperty("messages")[1].GetProperty("created_at").GetString());
    }

    private async Task Sql(string sql)
    {
        await using var command = cluster.Database.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }
}
