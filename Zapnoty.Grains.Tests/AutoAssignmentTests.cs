using System.Net;
using System.Text.Json;
using Zapnoty.Grains.Assignment;
using Zapnoty.Grains.Tests.Infrastructure;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// Auto-assignment over the real cluster: tickets created through both silos' APIs, handed out by
/// the project's assignment grain through the tickets' own assign path, the cap re-checked by the
/// database in the assigning transaction.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class AutoAssignmentTests(ClusterFixture cluster) : IAsyncLifetime
{
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.Start();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task Round_robin_gives_nine_tickets_to_three_agents_three_each()
    {
        var (owner, projectId, agents) = await Team(3);
        await SetAssignment(owner, projectId, new { mode = "round_robin" });

        for (var i = 0; i < 9; i++) await cluster.Api(i % 2).WithToken(owner.Token).CreateTicket(projectId, $"Question {i}", $"customer-{i}");

        var tickets = await WaitForAssigned(owner, projectId, 9);
        Assert.All(agents, a => Assert.Equal(3, tickets.Count(t => t.Assignee == a.UserId)));
    }

    [Fact]
    public async Task Tickets_created_at_once_through_both_silos_never_put_an_agent_over_the_cap_and_a_closed_one_makes_room()
    {
        var (owner, projectId, agents) = await Team(3);
        await SetAssignment(owner, projectId, new { mode = "round_robin", max_open_per_agent = 2 });

        await Task.WhenAll(Enumerable.Range(0, 12).Select(i =>
            cluster.Api(i % 2).WithToken(owner.Token).CreateTicket(projectId, $"Question {i}", $"customer-{i}")));

        var tickets = await WaitForAssigned(owner, projectId, 6);
        await Task.Delay(TimeSpan.FromSeconds(1)); // room for a wrong seventh to show up
        tickets = await Tickets(owner, projectId);
        Assert.Equal(6, tickets.Count(t => t.Assignee is not null));
        Assert.All(agents, a => Assert.Equal(2, tickets.Count(t => t.Assignee == a.UserId)));

        // One closes: the oldest waiting ticket goes to the agent who now has room.
        var closed = tickets.First(t => t.Assignee == agents[1].UserId);
        var oldestWaiting = tickets.Where(t => t.Assignee is null).MinBy(t => t.Number)!;
        await cluster.Api(1).WithToken(owner.Token).Patch($"/v1/helpdesk/tickets/{closed.Id}", new { status = "closed" });
        await Poll.Eventually(async () => (await Tickets(owner, projectId)).Single(t => t.Id == oldestWaiting.Id).Assignee == agents[1].UserId);
        tickets = await Tickets(owner, projectId);
        Assert.Equal(6, tickets.Count(t => t.Assignee is not null && t.Status != "closed"));

        // A person may still assign over the cap by hand.
        var waiting = tickets.First(t => t.Assignee is null);
        var manual = await owner.Patch($"/v1/helpdesk/tickets/{waiting.Id}", new { assignee_id = agents[0].UserId });
        Assert.Equal(agents[0].UserId, manual.GetProperty("assignee_id").GetGuid());
    }

    [Fact]
    public async Task The_database_refuses_an_agent_over_the_cap_however_many_assignments_race()
    {
        var (owner, projectId, agents) = await Team(1);
        var ids = new List<Guid>();
        for (var i = 0; i < 10; i++) ids.Add((await owner.CreateTicket(projectId, $"Question {i}", $"customer-{i}")).GetProperty("id").GetGuid());
        // Switched on behind the assignment grain's back (it still holds "off"): only the
        // ticket transactions' own check stands between the racing assignments and the cap.
        await using (var command = cluster.Database.CreateCommand("""
            INSERT INTO assignment_settings (project_id, mode, max_open_per_agent, updated_at) VALUES ($1, 'round_robin', 2, now())
            """))
        {
            command.Parameters.Add(new() { Value = projectId });
            await command.ExecuteNonQueryAsync();
        }

        var outcomes = await Task.WhenAll(ids.Select(id => cluster.Grains.GetGrain<ITicketGrain>(id).AutoAssign(agents[0].UserId)));

        Assert.Equal(2, outcomes.Count(o => o == AutoAssignOutcome.Assigned));
        Assert.Equal(8, outcomes.Count(o => o == AutoAssignOutcome.Refused));
        var tickets = await Tickets(owner, projectId);
        Assert.Equal(2, tickets.Count(t => t.Assignee == agents[0].UserId));
    }

    [Fact]
    public async Task Away_agents_are_skipped_and_one_coming_back_takes_the_waiting_ticket()
    {
        var (owner, projectId, agents) = await Team(2);
        var away = await agents[1].Client.Call(HttpMethod.Put, $"/v1/projects/{projectId}/members/me/availability", new { available = false }, HttpStatusCode.OK);
        Assert.True(away.GetProperty("away").GetBoolean());
        await SetAssignment(owner, projectId, new { mode = "least_open", max_open_per_agent = 1 });

        var first = (await owner.CreateTicket(projectId, "First", "customer-1")).GetProperty("id").GetGuid();
        var second = (await owner.CreateTicket(projectId, "Second", "customer-2")).GetProperty("id").GetGuid();
        await Poll.Eventually(async () => (await Tickets(owner, projectId)).Single(t => t.Id == first).Assignee == agents[0].UserId);
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.Null((await Tickets(owner, projectId)).Single(t => t.Id == second).Assignee);

        var team = await Members(owner, projectId);
        Assert.False(team[agents[1].UserId].GetProperty("available").GetBoolean());
        Assert.True(team[agents[1].UserId].GetProperty("away").GetBoolean());
        Assert.False(team[agents[0].UserId].GetProperty("away").GetBoolean());
        Assert.Equal(JsonValueKind.String, team[agents[0].UserId].GetProperty("last_active_at").ValueKind);

        await agents[1].Client.Call(HttpMethod.Put, $"/v1/projects/{projectId}/members/me/availability", new { available = true }, HttpStatusCode.OK);
        await Poll.Eventually(async () => (await Tickets(owner, projectId)).Single(t => t.Id == second).Assignee == agents[1].UserId);
    }

    [Fact]
    public async Task An_agent_without_a_request_for_the_away_time_is_passed_by()
    {
        var (owner, projectId, agents) = await Team(2);
        // Their last request (every session) two hours ago.
        await using (var command = cluster.Database.CreateCommand("UPDATE sessions SET created_at = now() - interval '3 hours', last_seen_at = now() - interval '2 hours' WHERE user_id = $1"))
        {
            command.Parameters.Add(new() { Value = agents[0].UserId });
            await command.ExecuteNonQueryAsync();
        }
        await SetAssignment(owner, projectId, new { mode = "round_robin", away_after_minutes = 30 });

        for (var i = 0; i < 3; i++) await owner.CreateTicket(projectId, $"Question {i}", $"customer-{i}");

        var tickets = await WaitForAssigned(owner, projectId, 3);
        Assert.All(tickets, t => Assert.Equal(agents[1].UserId, t.Assignee));
        var idle = (await Members(owner, projectId))[agents[0].UserId];
        Assert.True(idle.GetProperty("available").GetBoolean());
        Assert.True(idle.GetProperty("away").GetBoolean());
        Assert.True(idle.GetProperty("last_active_at").GetDateTime() < DateTime.UtcNow.AddHours(-1));
    }

    [Fact]
    public async Task An_auto_assignment_is_in_history_webhooks_and_the_agents_notifications_like_a_manual_one()
    {
        var (owner, projectId, agents) = await Team(1);
        await owner.Post($"/v1/projects/{projectId}/webhooks", new { url = _receiver.Url(), events = new[] { "ticket.assigned" } });
        await SetAssignment(owner, projectId, new { mode = "least_open" });

        var ticketId = (await owner.CreateTicket(projectId)).GetProperty("id").GetGuid();

        await Poll.Eventually(async () => (await Tickets(owner, projectId)).Single().Assignee == agents[0].UserId);
        var ticket = await owner.Get($"/v1/helpdesk/tickets/{ticketId}");
        var entry = ticket.GetProperty("history").EnumerateArray().Single(h => h.GetProperty("field").GetString() == "assignee_id");
        Assert.Equal("system", entry.GetProperty("actor").GetProperty("kind").GetString());
        Assert.Equal("auto_assignment", entry.GetProperty("actor").GetProperty("id").GetString());
        Assert.Equal(agents[0].UserId.ToString(), entry.GetProperty("to").GetString());

        var hooks = await _receiver.WaitFor(r => r.Any(h => h.Type == "ticket.assigned" && h.TicketId == ticketId));
        var hook = hooks.First(h => h.Type == "ticket.assigned");
        Assert.Equal(agents[0].UserId.ToString(), hook.Data.GetProperty("change").GetProperty("to").GetString());

        await Poll.Eventually(async () => (await agents[0].Client.Get("/v1/me/notifications")).GetProperty("items").EnumerateArray()
            .Any(n => n.GetProperty("kind").GetString() == "assigned" && n.GetProperty("ticket_id").GetGuid() == ticketId));
    }

    [Fact]
    public async Task Settings_start_off_and_a_wrong_value_is_refused_field_by_field()
    {
        var (owner, projectId, _) = await Team(0);
        var path = $"/v1/projects/{projectId}/helpdesk/assignment";
        var initial = await owner.Get(path);
        Assert.Equal("off", initial.GetProperty("mode").GetString());
        Assert.Equal(JsonValueKind.Null, initial.GetProperty("max_open_per_agent").ValueKind);

        foreach (var (body, field) in new (object Body, string Field)[]
        {
            (new { max_open_per_agent = 3 }, "mode"),
            (new { mode = "round_robin", max_open_per_agent = 0 }, "max_open_per_agent"),
            (new { mode = "round_robin", max_open_per_agent = 1001 }, "max_open_per_agent"),
            (new { mode = "least_open", away_after_minutes = 0 }, "away_after_minutes"),
        })
        {
            var problem = await owner.Call(HttpMethod.Put, path, body, HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        }
        await owner.Call(HttpMethod.Put, path, new { mode = "sometimes" }, HttpStatusCode.BadRequest);

        var saved = await owner.Call(HttpMethod.Put, path, new { mode = "least_open", max_open_per_agent = 1000, away_after_minutes = 15 }, HttpStatusCode.OK);
        Assert.Equal("least_open", saved.GetProperty("mode").GetString());
        var read = await cluster.Api(1).WithToken(owner.Token).Get(path);
        Assert.Equal(1000, read.GetProperty("max_open_per_agent").GetInt32());
        Assert.Equal(15, read.GetProperty("away_after_minutes").GetInt32());
        var problemOfAvailability = await owner.Call(HttpMethod.Put, $"/v1/projects/{projectId}/members/me/availability", new { }, HttpStatusCode.BadRequest);
        Assert.True(problemOfAvailability.GetProperty("errors").TryGetProperty("available", out _));
    }

    [Fact]
    public void Round_robin_takes_the_agent_assigned_longest_ago_and_least_open_the_emptiest_within_the_cap()
    {
        Guid a = new("00000000-0000-0000-0000-00000000000a"), b = new("00000000-0000-0000-0000-00000000000b"), c = new("00000000-0000-0000-0000-00000000000c");
        var agents = new List<Candidate> { new(a, 0, 5), new(b, 3, null), new(c, 1, 2) };
        // b never got one but is at the cap of 3.
        Assert.Equal(c, AssignmentPicker.Pick(new AssignmentSettings(AssignmentMode.RoundRobin, 3, null), agents)!.UserId);
        Assert.Equal(a, AssignmentPicker.Pick(new AssignmentSettings(AssignmentMode.LeastOpen, null, null), agents)!.UserId);

        var order = new List<Guid>();
        for (var i = 0; i < 6; i++)
        {
            var next = AssignmentPicker.Pick(new AssignmentSettings(AssignmentMode.RoundRobin, null, null), agents)!;
            AssignmentPicker.Took(next, agents);
            order.Add(next.UserId);
        }
        Assert.Equal(new[] { b, c, a, b, c, a }, order);

        foreach (var agent in agents) agent.Open = 5;
        Assert.Null(AssignmentPicker.Pick(new AssignmentSettings(AssignmentMode.LeastOpen, 5, null), agents));
        Assert.Null(AssignmentPicker.Pick(AssignmentSettings.Off, [new(a, 0, null)]));
    }

    private sealed record Agent(ApiClient Client, Guid UserId);

    private sealed record TicketRow(Guid Id, long Number, string Status, Guid? Assignee);

    /// <summary>A project whose owner is away, with <paramref name="count"/> support agents, logged in on alternating silos.</summary>
    private async Task<(ApiClient Owner, Guid ProjectId, List<Agent> Agents)> Team(int count)
    {
        var owner = await cluster.Api(0).LogInAs();
        var projectId = await owner.CreateProject();
        await owner.Call(HttpMethod.Put, $"/v1/projects/{projectId}/members/me/availability", new { available = false }, HttpStatusCode.OK);
        var agents = new List<Agent>();
        for (var i = 0; i < count; i++)
        {
            var email = $"agent-{Guid.NewGuid():N}@example.com";
            var client = await cluster.Api(i % 2).LogInAs(email);
            await owner.Post($"/v1/projects/{projectId}/members", new { email, role = "support" });
            agents.Add(new Agent(client, Guid.Parse((await client.Get("/v1/auth/me")).GetProperty("id").GetString()!)));
        }
        return (owner, projectId, agents);
    }

    private static Task SetAssignment(ApiClient owner, Guid projectId, object settings) =>
        owner.Call(HttpMethod.Put, $"/v1/projects/{projectId}/helpdesk/assignment", settings, HttpStatusCode.OK);

    private static async Task<List<TicketRow>> Tickets(ApiClient client, Guid projectId) =>
        (await client.Get($"/v1/projects/{projectId}/helpdesk/tickets?limit=200")).GetProperty("items").EnumerateArray()
            .Select(t => new TicketRow(t.GetProperty("id").GetGuid(), t.GetProperty("number").GetInt64(), t.GetProperty("status").GetString()!,
                t.GetProperty("assignee_id").ValueKind == JsonValueKind.Null ? null : t.GetProperty("assignee_id").GetGuid()))
            .ToList();

    private static async Task<List<TicketRow>> WaitForAssigned(ApiClient client, Guid projectId, int count)
    {
        List<TicketRow> tickets = [];
        await Poll.Eventually(async () => (tickets = await Tickets(client, projectId)).Count(t => t.Assignee is not null) >= count, seconds: 30);
        return tickets;
    }

    private static async Task<Dictionary<Guid, JsonElement>> Members(ApiClient client, Guid projectId) =>
        (await client.Get($"/v1/projects/{projectId}/members")).GetProperty("items").EnumerateArray()
            .Where(m => m.GetProperty("user_id").ValueKind != JsonValueKind.Null)
            .ToDictionary(m => m.GetProperty("user_id").GetGuid());
}
