using System.Text.Json;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class TicketListTests(ClusterFixture cluster)
{
    [Fact]
    public async Task The_list_filters_by_every_field_newest_first()
    {
        var agent = await cluster.Api().LogInAs();
        var me = (await agent.Get("/v1/auth/me")).GetProperty("id").GetString();
        var p = await agent.CreateProject();
        var bug = (await agent.Post($"/v1/projects/{p}/helpdesk/ticket-types", new { name = "Bug" })).GetProperty("id").GetGuid();

        var t1 = await Id(agent.CreateTicket(p, "Payment failed with card", "alice"));
        var t2 = await Id(agent.CreateTicket(p, "Cannot log in", "bob", new { type_id = bug, priority = "urgent" }));
        var t3 = await Id(agent.CreateTicket(p, "Where is my parcel?", "alice"));
        await agent.Patch($"/v1/helpdesk/tickets/{t2}", new { assignee_id = me });
        await agent.Patch($"/v1/helpdesk/tickets/{t3}", new { status = "closed" });
        await agent.Post($"/v1/helpdesk/tickets/{t1}/customer-reply", new { text = "It says error 51 insufficient funds" });

        var path = $"/v1/projects/{p}/helpdesk/tickets";
        Assert.Equal([t3, t2, t1], await Ids(agent, path));
        Assert.Equal([t3], await Ids(agent, path + "?status=closed"));
        Assert.Equal([t2], await Ids(agent, path + "?priority=urgent"));
        Assert.Equal([t2], await Ids(agent, $"{path}?type_id={bug}"));
        Assert.Equal([t2], await Ids(agent, $"{path}?assignee_id={me}"));
        Assert.Equal([t2], await Ids(agent, path + "?assignee_id=me"));
        Assert.Equal([t3, t1], await Ids(agent, path + "?assignee_id=none"));
        Assert.Equal([t3, t1], await Ids(agent, path + "?customer_external_id=alice"));
        Assert.Equal([t1], await Ids(agent, path + "?q=insufficient"));
        Assert.Equal([t2], await Ids(agent, path + "?q=LOG%20IN"));
        Assert.Equal([t3], await Ids(agent, path + "?q=%233"));
        Assert.Equal([], await Ids(agent, path + "?q=100%25"));
        Assert.Equal([t3, t1], await Ids(agent, path + "?customer_external_id=alice&priority=normal"));
        Assert.Equal([], await Ids(agent, path + "?overdue=true"));
    }

    [Fact]
    public async Task Counts_per_status_follow_the_lists_other_filters_and_reject_bad_ones()
    {
        var agent = await cluster.Api().LogInAs();
        var p = await agent.CreateProject();
        var t1 = await Id(agent.CreateTicket(p, "Payment failed", "alice", new { priority = "urgent" }));
        var t2 = await Id(agent.CreateTicket(p, "Cannot log in", "bob"));
        await agent.CreateTicket(p, "Where is my parcel?", "alice");
        await agent.Patch($"/v1/helpdesk/tickets/{t1}", new { status = "waiting" });
        await agent.Patch($"/v1/helpdesk/tickets/{t2}", new { status = "closed" });

        var path = $"/v1/projects/{p}/helpdesk/tickets/counts";
        Assert.Equal((1, 0, 1, 1, 0), Counts(await agent.Get(path)));
        // The status filter is what the counts break down, so it is not one of theirs: it is ignored.
        Assert.Equal((1, 0, 1, 1, 0), Counts(await agent.Get(path + "?status=closed")));
        Assert.Equal((1, 0, 1, 0, 0), Counts(await agent.Get(path + "?customer_external_id=alice")));
        Assert.Equal((0, 0, 1, 0, 0), Counts(await agent.Get(path + "?priority=urgent&assignee_id=none")));
        Assert.Equal((1, 0, 0, 0, 0), Counts(await agent.Get(path + "?q=parcel")));
        Assert.Equal((0, 0, 0, 0, 0), Counts(await agent.Get(path + "?assignee_id=me")));

        var bad = await agent.Call(HttpMethod.Get, path + "?priority=soon&assignee_id=x", null, System.Net.HttpStatusCode.BadRequest);
        Assert.True(bad.GetProperty("errors").TryGetProperty("priority", out _));
        Assert.True(bad.GetProperty("errors").TryGetProperty("assignee_id", out _));
    }

    private static (int New, int InProgress, int Waiting, int Closed, int Overdue) Counts(JsonElement c) =>
        (c.GetProperty("new").GetInt32(), c.GetProperty("in_progress").GetInt32(), c.GetProperty("waiting").GetInt32(),
         c.GetProperty("closed").GetInt32(), c.GetProperty("overdue").GetInt32());

    [Fact]
    public async Task Pages_follow_the_cursor_without_gaps_or_repeats_while_tickets_arrive()
    {
        var agent = await cluster.Api().LogInAs();
        var p = await agent.CreateProject();
        for (var i = 0; i < 7; i++) await agent.CreateTicket(p, $"ticket {i}");

        var seen = new List<long>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await agent.Get($"/v1/projects/{p}/helpdesk/tickets?limit=3" + (cursor is null ? "" : $"&cursor={cursor}"));
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("number").GetInt64()));
            cursor = page.GetProperty("next_cursor").GetString();
            if (pages++ == 0) await agent.CreateTicket(p, "arrives while paging");
        } while (cursor is not null);

        Assert.Equal([7, 6, 5, 4, 3, 2, 1], seen);
        Assert.Equal(3, pages);
    }

    [Fact]
    public async Task Overdue_flags_come_from_the_stored_due_times()
    {
        var agent = await cluster.Api().LogInAs();
        var p = await agent.CreateProject();
        await agent.Patch($"/v1/projects/{p}/helpdesk/settings", new { sla_first_reply_hours = 0.0003 }); // about a second
        var late = await Id(agent.CreateTicket(p, "late one"));
        var answered = await Id(agent.CreateTicket(p, "answered one"));
        await agent.Post($"/v1/helpdesk/tickets/{answered}/replies", new { text = "On it" });
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        Assert.Equal([late], await Ids(agent, $"/v1/projects/{p}/helpdesk/tickets?overdue=true"));
        var ticket = await agent.Get($"/v1/helpdesk/tickets/{late}");
        Assert.True(ticket.GetProperty("sla").GetProperty("first_reply_overdue").GetBoolean());
        Assert.False(ticket.GetProperty("sla").GetProperty("resolve_overdue").GetBoolean());
    }

    private static async Task<Guid> Id(Task<JsonElement> ticket) => (await ticket).GetProperty("id").GetGuid();

    private static async Task<List<Guid>> Ids(ApiClient client, string path) =>
        (await client.Get(path)).GetProperty("items").EnumerateArray().Select(t => t.GetProperty("id").GetGuid()).ToList();
}
