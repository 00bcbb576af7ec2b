using System.Net;
using System.Text.Json;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class TicketLifecycleTests(ClusterFixture cluster)
{
    [Fact]
    public async Task A_ticket_lives_from_creation_to_closing_with_every_change_in_its_history()
    {
        var agent = await cluster.Api(0).LogInAs();
        var projectId = await agent.CreateProject();
        var me = (await agent.Get("/v1/auth/me")).GetProperty("id").GetString();

        var created = await agent.CreateTicket(projectId, "The app crashes when I pay\nSteps: open cart, press pay");
        var ticketId = created.GetProperty("id").GetGuid();
        Assert.Equal(1, created.GetProperty("number").GetInt64());
        Assert.Equal("new", created.GetProperty("status").GetString());
        Assert.Equal("normal", created.GetProperty("priority").GetString());
        Assert.Equal("api", created.GetProperty("channel").GetString());
        Assert.Equal("The app crashes when I pay", created.GetProperty("subject").GetString());
        Assert.Equal("customer-1", created.GetProperty("customer").GetProperty("external_id").GetString());

        // The other silo serves the same ticket.
        var other = cluster.Api(1).WithToken(agent.Token);
        var reply = await other.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = "Sorry! Which phone do you use?" });
        Assert.Equal("agent", reply.GetProperty("author").GetString());
        // A website customer gets replies only through ticket.replied; with no endpoint, it says so.
        Assert.Equal("failed", reply.GetProperty("delivery").GetString());
        Assert.Contains("ticket.replied", reply.GetProperty("delivery_error").GetString());

        var afterReply = await agent.Get($"/v1/helpdesk/tickets/{ticketId}");
        Assert.Equal("in_progress", afterReply.GetProperty("status").GetString());
        Assert.NotEqual(JsonValueKind.Null, afterReply.GetProperty("first_reply_at").ValueKind);

        await agent.Patch($"/v1/helpdesk/tickets/{ticketId}", new { status = "waiting", priority = "high", assignee_id = me });
        await agent.Post($"/v1/helpdesk/tickets/{ticketId}/customer-reply", new { text = "An iPhone 12" });
        var afterCustomer = await agent.Get($"/v1/helpdesk/tickets/{ticketId}");
        Assert.Equal("in_progress", afterCustomer.GetProperty("status").GetString());
        Assert.Equal("high", afterCustomer.GetProperty("priority").GetString());
        Assert.Equal(me, afterCustomer.GetProperty("assignee_id").GetString());

        var closed = await agent.Patch($"/v1/helpdesk/tickets/{ticketId}", new { status = "closed" });
        Assert.NotEqual(JsonValueKind.Null, closed.GetProperty("closed_at").ValueKind);

        // What the command answered is exactly what the list (read from Postgres) shows later.
        var listed = (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets?status=closed")).GetProperty("items")[0];
        Assert.Equal(closed.GetProperty("updated_at").GetString(), listed.GetProperty("updated_at").GetString());
        Assert.Equal(closed.GetProperty("closed_at").GetString(), listed.GetProperty("closed_at").GetString());
        Assert.Equal(afterReply.GetProperty("first_reply_at").GetString(), listed.GetProperty("first_reply_at").GetString());

        var refused = await agent.Call(HttpMethod.Post, $"/v1/helpdesk/tickets/{ticketId}/customer-reply", new { text = "Hello?" }, HttpStatusCode.Conflict);
        Assert.Equal(409, refused.GetProperty("status").GetInt32());

        var final = await other.Get($"/v1/helpdesk/tickets/{ticketId}");
        var messages = final.GetProperty("messages").EnumerateArray().Select(m => (m.GetProperty("author").GetString(), m.GetProperty("text").GetString())).ToList();
        Assert.Equal(
        [
            ("customer", "The app crashes when I pay\nSteps: open cart, press pay"),
            ("agent", "Sorry! Which phone do you use?"),
            ("customer", "An iPhone 12"),
        ], messages);

        var history = final.GetProperty("history").EnumerateArray()
            .Select(h => (h.GetProperty("actor").GetProperty("kind").GetString(), h.GetProperty("field").GetString(),
                h.GetProperty("from").GetString(), h.GetProperty("to").GetString()))
            .ToList();
        Assert.Equal(
        [
            ("user", "status", null, "new"),
            ("user", "status", "new", "in_progress"),
            ("user", "status", "in_progress", "waiting"),
            ("user", "priority", "normal", "high"),
            ("user", "assignee_id", null, me),
            ("customer", "status", "waiting", "in_progress"),
            ("user", "status", "in_progress", "closed"),
        ], history);
    }

    [Fact]
    public async Task A_change_that_changes_nothing_writes_no_history()
    {
        var agent = await cluster.Api().LogInAs();
        var projectId = await agent.CreateProject();
        var ticketId = (await agent.CreateTicket(projectId)).GetProperty("id").GetGuid();

        await agent.Patch($"/v1/helpdesk/tickets/{ticketId}", new { status = "new", priority = "normal" });

        var ticket = await agent.Get($"/v1/helpdesk/tickets/{ticketId}");
        Assert.Single(ticket.GetProperty("history").EnumerateArray());
    }

    [Fact]
    public async Task Reopening_a_closed_ticket_clears_closed_at()
    {
        var agent = await cluster.Api().LogInAs();
        var projectId = await agent.CreateProject();
        var ticketId = (await agent.CreateTicket(projectId)).GetProperty("id").GetGuid();

        await agent.Patch($"/v1/helpdesk/tickets/{ticketId}", new { status = "closed" });
        var reopened = await agent.Patch($"/v1/helpdesk/tickets/{ticketId}", new { status = "in_progress" });

        Assert.Equal("in_progress", reopened.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, reopened.GetProperty("closed_at").ValueKind);
        await agent.Post($"/v1/helpdesk/tickets/{ticketId}/customer-reply", new { text = "Thanks, it works again" });
    }

    [Fact]
    public async Task Ticket_types_are_set_on_creation_and_change_and_archived_types_are_refused_for_new_tickets()
    {
        var agent = await cluster.Api().LogInAs();
        var projectId = await agent.CreateProject();
        var bug = (await agent.Post($"/v1/projects/{projectId}/helpdesk/ticket-types", new { name = "Bug" })).GetProperty("id").GetGuid();
        var question = (await agent.Post($"/v1/projects/{projectId}/helpdesk/ticket-types", new { name = "Question" })).GetProperty("id").GetGuid();
        await agent.Call(HttpMethod.Post, $"/v1/projects/{projectId}/helpdesk/ticket-types", new { name = "bug" }, HttpStatusCode.Conflict);

        var ticket = await agent.CreateTicket(projectId, extra: new { type_id = bug });
        Assert.Equal("Bug", ticket.GetProperty("type_name").GetString());
        var ticketId = ticket.GetProperty("id").GetGuid();

        var changed = await agent.Patch($"/v1/helpdesk/tickets/{ticketId}", new { type_id = question });
        Assert.Equal("Question", changed.GetProperty("type_name").GetString());

        await agent.Call(HttpMethod.Delete, $"/v1/projects/{projectId}/helpdesk/ticket-types/{question}", null, HttpStatusCode.NoContent);
        var types = await agent.Get($"/v1/projects/{projectId}/helpdesk/ticket-types");
        Assert.Equal(["Bug"], types.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("name").GetString()));

        // The ticket keeps its archived type; new tickets cannot take it.
        Assert.Equal("Question", (await agent.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("type_name").GetString());
        var refused = await agent.Call(HttpMethod.Post, $"/v1/projects/{projectId}/helpdesk/tickets",
            new { text = "hi", customer = new { external_id = "c" }, type_id = question }, HttpStatusCode.BadRequest);
        Assert.True(refused.GetProperty("errors").TryGetProperty("type_id", out _));

        var cleared = await agent.Patch($"/v1/helpdesk/tickets/{ticketId}", new { type_id = (Guid?)null });
        Assert.Equal(JsonValueKind.Null, cleared.GetProperty("type_id").ValueKind);
    }

    [Fact]
    public async Task Settings_store_sla_hours_and_new_tickets_get_due_times_from_them()
    {
        var agent = await cluster.Api().LogInAs();
        var projectId = await agent.CreateProject();

        var settings = await agent.Patch($"/v1/projects/{projectId}/helpdesk/settings", new { sla_first_reply_hours = 1.5, sla_resolve_hours = 48 });
        Assert.Equal(1.5m, settings.GetProperty("sla_first_reply_hours").GetDecimal());
        await agent.Patch($"/v1/projects/{projectId}/helpdesk/settings", new { sla_resolve_hours = (decimal?)null });
        settings = await agent.Get($"/v1/projects/{projectId}/helpdesk/settings");
        Assert.Equal(1.5m, settings.GetProperty("sla_first_reply_hours").GetDecimal());
        Assert.Equal(JsonValueKind.Null, settings.GetProperty("sla_resolve_hours").ValueKind);

        var ticket = await agent.CreateTicket(projectId);
        var sla = ticket.GetProperty("sla");
        var due = sla.GetProperty("first_reply_due_at").GetDateTime() - ticket.GetProperty("created_at").GetDateTime();
        Assert.Equal(TimeSpan.FromMinutes(90), due);
        Assert.Equal(JsonValueKind.Null, sla.GetProperty("resolve_due_at").ValueKind);
        Assert.False(sla.GetProperty("first_reply_overdue").GetBoolean());
    }
}
