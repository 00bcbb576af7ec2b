using System.Net;
using System.Text.Json;
using Zapnoty.Grains.Tests.Infrastructure;
using Zapnoty.Grains.Tickets;
using static Zapnoty.Grains.Tests.Infrastructure.Poll;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// Escalation and automation rules: fired by the ticket's own grain once per ticket and cycle,
/// every action in the history under the rule's name and in webhooks, and ticket.sla_warning.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class RulesTests(ClusterFixture cluster) : IAsyncLifetime
{
    // 0.0175 h = 63 s: a warning one minute before falls due 3 s after creation, the breach a minute later.
    private const double WarnedSoon = 0.0175;
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.Start();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private sealed record Person(ApiClient Api, Guid Id, string Email);

    [Fact]
    public async Task A_warning_rule_fires_once_however_often_it_is_checked_and_its_actions_show_in_history_and_webhooks()
    {
        var (owner, projectId) = await Project(firstReply: WarnedSoon);
        var anna = await Join(owner, projectId, "support");
        var tag = (await owner.Post($"/v1/projects/{projectId}/tags", new { name = "at-risk" })).GetProperty("id").GetGuid();
        await owner.Post($"/v1/projects/{projectId}/webhooks", new { url = _receiver.Url(), events = new[] { "ticket.*" } });
        var rule = await owner.Post($"/v1/projects/{projectId}/helpdesk/rules", new
        {
            name = "First reply at risk",
            trigger = new { type = "sla_warning", target = "first_reply", minutes_before = 1 },
            actions = new object[]
            {
                new { type = "set_priority", priority = "high" },
                new { type = "add_tag", tag_id = tag },
                new { type = "notify", to = "person", user_id = anna.Id },
            },
        });
        var ruleId = rule.GetProperty("id").GetGuid();
        var ticket = await owner.CreateTicket(projectId);
        var ticketId = ticket.GetProperty("id").GetGuid();
        var due = ticket.GetProperty("sla").GetProperty("first_reply_due_at").GetDateTime();

        await Eventually(async () => RuleEntries(await owner.Get($"/v1/helpdesk/tickets/{ticketId}")).Count == 1);
        var warning = (await _receiver.WaitFor(r => r.Any(w => w.Type == "ticket.sla_warning"))).Single(w => w.Type == "ticket.sla_warning");
        Assert.Equal("first_reply", warning.Data.GetProperty("sla_warning").GetProperty("target").GetString());
        Assert.Equal(due, warning.Data.GetProperty("sla_warning").GetProperty("due_at").GetDateTime());
        Assert.Equal(ruleId, warning.Data.GetProperty("rule").GetProperty("id").GetGuid());
        var raised = (await _receiver.WaitFor(r => r.Any(w => w.Type == "ticket.priority_changed"))).Single(w => w.Type == "ticket.priority_changed");
        Assert.Equal("First reply at risk", raised.Data.GetProperty("rule").GetProperty("name").GetString());
        Assert.Equal("high", raised.Data.GetProperty("change").GetProperty("to").GetString());

        // Late, repeated and concurrent checks, through the reminder and directly, find it fired.
        var grain = cluster.Grains.GetGrain<ITicketGrain>(ticketId);
        await Task.WhenAll(grain.CheckRules(), grain.ReceiveReminder(TicketGrain.RulesReminder, default), grain.CheckRules(),
            grain.ReceiveReminder(TicketGrain.RulesReminder, default));
        await Task.Delay(2500);

        var details = await owner.Get($"/v1/helpdesk/tickets/{ticketId}");
        var entry = Assert.Single(RuleEntries(details));
        Assert.Equal("First reply at risk", entry.GetProperty("to").GetString());
        Assert.Equal("sla_warning:first_reply", entry.GetProperty("from").GetString());
        var priority = details.GetProperty("history").EnumerateArray().Single(h => h.GetProperty("field").GetString() == "priority");
        Assert.Equal("system", priority.GetProperty("actor").GetProperty("kind").GetString());
        Assert.Equal(ruleId.ToString(), priority.GetProperty("actor").GetProperty("id").GetString());
        Assert.Equal("high", details.GetProperty("priority").GetString());
        Assert.Equal(["at-risk"], details.GetProperty("tags").EnumerateArray().Select(t => t.GetProperty("name").GetString()).ToList());
        Assert.Single(_receiver.Received, w => w.Type == "ticket.sla_warning");
        Assert.Single(_receiver.Received, w => w.Type == "ticket.tags_changed");
        Assert.Equal(1L, await Firings(ticketId));

        var bell = await anna.Api.Get("/v1/me/notifications");
        var told = Assert.Single(bell.GetProperty("items").EnumerateArray());
        Assert.Equal("rule", told.GetProperty("kind").GetString());
        Assert.Equal("First reply at risk", told.GetProperty("actor_name").GetString());
        Assert.Equal(ticketId, told.GetProperty("ticket_id").GetGuid());
    }

    [Fact]
    public async Task A_firing_another_activation_already_recorded_rolls_back_whole()
    {
        var (owner, projectId) = await Project(firstReply: WarnedSoon);
        await owner.Post($"/v1/projects/{projectId}/helpdesk/rules", new
        {
            name = "Raise",
            trigger = new { type = "sla_warning", target = "first_reply", minutes_before = 1 },
            actions = new object[] { new { type = "set_priority", priority = "urgent" } },
        });
        var ticket = await owner.CreateTicket(projectId);
        var ticketId = ticket.GetProperty("id").GetGuid();
        // This activation reads what fired before the rule is due...
        await cluster.Grains.GetGrain<ITicketGrain>(ticketId).CheckRules();
        var ruleId = (await owner.Get($"/v1/projects/{projectId}/helpdesk/rules")).GetProperty("items")[0].GetProperty("id").GetGuid();
        // ...then another one fires it (its record is all that is visible of it here).
        await using (var command = cluster.Database.CreateCommand(
            "INSERT INTO rule_firings (rule_id, ticket_id, cycle_at, fired_at) SELECT $1, id, date_trunc('milliseconds', first_reply_due_at), now() FROM tickets WHERE id = $2"))
        {
            command.Parameters.Add(new() { Value = ruleId });
            command.Parameters.Add(new() { Value = ticketId });
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        await Task.Delay(TimeSpan.FromSeconds(7));   // the rule is due after 3 s; its reminder ticks every 2 s after that
        var details = await owner.Get($"/v1/helpdesk/tickets/{ticketId}");
        Assert.Empty(RuleEntries(details));
        Assert.Equal("normal", details.GetProperty("priority").GetString());
        Assert.Equal(1L, await Firings(ticketId));
    }

    [Fact]
    public async Task A_breach_rule_escalates_the_priority_and_notifies_the_admins_after_the_breach_is_recorded()
    {
        var (owner, projectId) = await Project(firstReply: 0.0005);
        var admin = await Join(owner, projectId, "admin");
        var support = await Join(owner, projectId, "support");
        await owner.Post($"/v1/projects/{projectId}/webhooks", new { url = _receiver.Url(), events = new[] { "ticket.priority_changed", "ticket.sla_breached" } });
        await owner.Post($"/v1/projects/{projectId}/helpdesk/rules", new
        {
            name = "Escalate missed first reply",
            trigger = new { type = "sla_breached", target = "first_reply" },
            actions = new object[]
            {
                new { type = "set_priority", priority = "urgent" },
                new { type = "assign", user_id = support.Id },
                new { type = "notify", to = "role", role = "admin" },
            },
        });
        var ticketId = (await owner.CreateTicket(projectId)).GetProperty("id").GetGuid();

        await Eventually(async () => (await owner.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("priority").GetString() == "urgent");
        var details = await owner.Get($"/v1/helpdesk/tickets/{ticketId}");
        var fields = details.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("field").GetString()).ToList();
        Assert.True(fields.IndexOf("sla_breached") < fields.IndexOf("rule"), string.Join(", ", fields));
        Assert.Equal(support.Id, details.GetProperty("assignee_id").GetGuid());

        var events = await _receiver.WaitFor(r => r.Count >= 2);
        Assert.Equal(["ticket.sla_breached", "ticket.priority_changed"], events.Select(e => e.Type).ToList());
        Assert.Equal("Escalate missed first reply", events[1].Data.GetProperty("rule").GetProperty("name").GetString());

        // Admins and above are told; the support member hears of the assignment only.
        Assert.Equal("rule", (await admin.Api.Get("/v1/me/notifications")).GetProperty("items")[0].GetProperty("kind").GetString());
        Assert.Equal("rule", (await owner.Get("/v1/me/notifications")).GetProperty("items")[0].GetProperty("kind").GetString());
        Assert.Equal(["assigned"], (await support.Api.Get("/v1/me/notifications")).GetProperty("items").EnumerateArray()
            .Select(n => n.GetProperty("kind").GetString()).ToList());
    }

    [Fact]
    public async Task A_ticket_waiting_on_the_customer_gets_a_reminder_and_is_then_closed_with_a_message_each_costing_a_credit()
    {
        var (owner, projectId) = await Project(firstReply: null);
        await owner.Post($"/v1/projects/{projectId}/webhooks", new { url = _receiver.Url(), events = new[] { "ticket.replied", "ticket.status_changed" } });
        await owner.Post($"/v1/projects/{projectId}/helpdesk/rules", new
        {
            name = "Nudge the customer",
            trigger = new { type = "waiting_on_customer", after_minutes = 0.05 },
            actions = new object[] { new { type = "message", text = "Are you still there?" } },
        });
        await owner.Post($"/v1/projects/{projectId}/helpdesk/rules", new
        {
            name = "Close abandoned",
            trigger = new { type = "waiting_on_customer", after_minutes = 0.12 },
            actions = new object[] { new { type = "close", text = "We are closing this for now; write to us again any time." } },
        });
        var ticketId = (await owner.CreateTicket(projectId)).GetProperty("id").GetGuid();
        var creditsBefore = (await owner.Get($"/v1/projects/{projectId}/billing")).GetProperty("free_credits_left").GetInt32();
        await owner.Patch($"/v1/helpdesk/tickets/{ticketId}", new { status = "waiting" });

        await Eventually(async () => (await owner.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("status").GetString() == "closed", seconds: 30);
        var details = await owner.Get($"/v1/helpdesk/tickets/{ticketId}");
        Assert.Equal(["Nudge the customer", "Close abandoned"], RuleEntries(details).Select(e => e.GetProperty("to").GetString()).ToList());
        var sent = details.GetProperty("messages").EnumerateArray().Where(m => m.GetProperty("author").GetString() == "system")
            .Select(m => m.GetProperty("text").GetString()).ToList();
        Assert.Equal(["Are you still there?", "We are closing this for now; write to us again any time."], sent);
        Assert.Equal(creditsBefore - 2, (await owner.Get($"/v1/projects/{projectId}/billing")).GetProperty("free_credits_left").GetInt32());

        var events = await _receiver.WaitFor(r => r.Count(e => e.Type == "ticket.replied") == 2 && r.Any(e => e.Type == "ticket.status_changed"
            && e.Data.GetProperty("change").GetProperty("to").GetString() == "closed"));
        Assert.All(events.Where(e => e.Type == "ticket.replied"), e => Assert.True(e.Data.TryGetProperty("rule", out _)));

        // A new wait is a new cycle: reopened and waiting again, the reminder would go out again.
        Assert.Equal(2L, await Firings(ticketId));
    }

    [Fact]
    public async Task A_disabled_rule_does_not_fire_and_fires_once_enabled()
    {
        var (owner, projectId) = await Project(firstReply: WarnedSoon);
        var off = await owner.Post($"/v1/projects/{projectId}/helpdesk/rules", new
        {
            name = "Off for now",
            enabled = false,
            trigger = new { type = "sla_warning", target = "first_reply", minutes_before = 30 },
            actions = new object[] { new { type = "set_priority", priority = "urgent" } },
        });
        await owner.Post($"/v1/projects/{projectId}/helpdesk/rules", new
        {
            name = "On",
            trigger = new { type = "sla_warning", target = "first_reply", minutes_before = 30 },
            actions = Array.Empty<object>(),
        });
        var ticketId = (await owner.CreateTicket(projectId)).GetProperty("id").GetGuid();

        await Eventually(async () => RuleEntries(await owner.Get($"/v1/helpdesk/tickets/{ticketId}")).Count == 1);
        await Task.Delay(2500);
        var details = await owner.Get($"/v1/helpdesk/tickets/{ticketId}");
        Assert.Equal(["On"], RuleEntries(details).Select(e => e.GetProperty("to").GetString()).ToList());
        Assert.Equal("normal", details.GetProperty("priority").GetString());

        // Enabled, it reaches the ticket nobody touched through the sweeper.
        await owner.Patch($"/v1/projects/{projectId}/helpdesk/rules/{off.GetProperty("id").GetGuid()}", new { enabled = true });
        await Eventually(async () => (await owner.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("priority").GetString() == "urgent");
        Assert.Equal(["On", "Off for now"], RuleEntries(await owner.Get($"/v1/helpdesk/tickets/{ticketId}")).Select(e => e.GetProperty("to").GetString()).ToList());
    }

    [Fact]
    public async Task Rules_are_validated_and_refused_with_problem_details()
    {
        var (owner, projectId) = await Project(firstReply: 4);
        var rules = $"/v1/projects/{projectId}/helpdesk/rules";
        var warning = new { type = "sla_warning", target = "first_reply", minutes_before = 15 };
        async Task Refused(object body, HttpStatusCode status, string field)
        {
            using var response = await owner.Send(HttpMethod.Post, rules, body);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}: {text}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains(field, text);
        }

        await Refused(new { trigger = warning }, HttpStatusCode.BadRequest, "name");
        await Refused(new { name = "x" }, HttpStatusCode.BadRequest, "trigger");
        await Refused(new { name = "x", trigger = new { type = "sla_sometime", target = "first_reply", minutes_before = 5 } }, HttpStatusCode.UnprocessableEntity, "sla_sometime");
        await Refused(new { name = "x", trigger = new { type = "sla_warning", target = "next_century", minutes_before = 5 } }, HttpStatusCode.UnprocessableEntity, "next_century");
        await Refused(new { name = "x", trigger = new { type = "sla_warning", target = "first_reply", minutes_before = 0 } }, HttpStatusCode.BadRequest, "minutes_before");
        await Refused(new { name = "x", trigger = new { type = "waiting_on_customer", after_minutes = -1 } }, HttpStatusCode.BadRequest, "after_minutes");
        await Refused(new { name = "x", trigger = new { type = "sla_breached", target = "resolution" }, actions = Array.Empty<object>() }, HttpStatusCode.BadRequest, "actions");
        await Refused(new { name = "x", trigger = warning, actions = new[] { new { type = "launch_rocket" } } }, HttpStatusCode.UnprocessableEntity, "launch_rocket");
        await Refused(new { name = "x", trigger = warning, actions = new[] { new { type = "add_tag", tag_id = Guid.NewGuid() } } }, HttpStatusCode.UnprocessableEntity, "does not exist in this project");
        await Refused(new { name = "x", trigger = warning, actions = new[] { new { type = "assign", user_id = Guid.NewGuid() } } }, HttpStatusCode.UnprocessableEntity, "is not a member");
        await Refused(new { name = "x", trigger = warning, actions = new[] { new { type = "notify", to = "everyone" } } }, HttpStatusCode.UnprocessableEntity, "everyone");
        await Refused(new { name = "x", trigger = warning, actions = Enumerable.Repeat(new { type = "unassign" }, 11) }, HttpStatusCode.UnprocessableEntity, "at most 10");
        await Refused(new { name = "x", trigger = warning, actions = new[] { new { type = "message", text = new string('a', 4097) } } }, HttpStatusCode.BadRequest, "actions[0].text");
        await Refused(new { name = "x", trigger = warning, actions = new[] { new { type = "message", text = "a\u0000b" } } }, HttpStatusCode.BadRequest, "text");
        await Refused(new { name = "x", trigger = warning, actions = new object[] { new { type = "message", text = "a" }, new { type = "close", text = "b" } } },
            HttpStatusCode.UnprocessableEntity, "at most one message");

        for (var i = 0; i < 50; i++) await owner.Post(rules, new { name = $"Rule {i}", trigger = warning });
        await Refused(new { name = "One too many", trigger = warning }, HttpStatusCode.UnprocessableEntity, "at most 50");
        var listed = (await owner.Get(rules)).GetProperty("items");
        Assert.Equal(50, listed.GetArrayLength());
        Assert.Equal(15m, listed[0].GetProperty("trigger").GetProperty("minutes_before").GetDecimal());

        // Support reads the rules but cannot change them.
        var support = await Join(owner, projectId, "support");
        Assert.Equal(50, (await support.Api.Get(rules)).GetProperty("items").GetArrayLength());
        using var refused = await support.Api.Send(HttpMethod.Delete, $"{rules}/{listed[0].GetProperty("id").GetGuid()}");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    private async Task<(ApiClient Owner, Guid ProjectId)> Project(double? firstReply)
    {
        var owner = await cluster.Api().LogInAs();
        var projectId = await owner.CreateProject();
        await owner.Call(HttpMethod.Patch, $"/v1/projects/{projectId}/helpdesk/settings",
            new { sla_first_reply_hours = firstReply, sla_resolve_hours = (double?)null }, HttpStatusCode.OK);
        return (owner, projectId);
    }

    private async Task<Person> Join(ApiClient owner, Guid projectId, string role)
    {
        var email = $"{role}-{Guid.NewGuid():N}@example.com";
        var api = await cluster.Api(1).LogInAs(email);
        await owner.Post($"/v1/projects/{projectId}/members", new { email, role });
        return new Person(api, (await api.Get("/v1/auth/me")).GetProperty("id").GetGuid(), email);
    }

    private static List<JsonElement> RuleEntries(JsonElement ticket) =>
        ticket.GetProperty("history").EnumerateArray().Where(h => h.GetProperty("field").GetString() == "rule").ToList();

    private async Task<long> Firings(Guid ticketId)
    {
        await using var command = cluster.Database.CreateCommand("SELECT count(*) FROM rule_firings WHERE ticket_id = $1");
        command.Parameters.Add(new() { Value = ticketId });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
