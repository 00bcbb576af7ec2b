using System.Net;
using System.Text.Json;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests.SlaPolicies;

/// <summary>The SLA policies route: what it stores, what it refuses, and what tickets show of it.</summary>
[Collection(ClusterCollection.Name)]
public sealed class SlaPolicyApiTests(ClusterFixture cluster)
{
    private static string Path(Guid projectId) => $"/v1/projects/{projectId}/helpdesk/sla-policies";

    [Fact]
    public async Task An_admin_sets_policies_the_team_reads_them_in_canonical_order_and_a_new_ticket_shows_the_one_it_runs_under()
    {
        var owner = await cluster.Api(0).LogInAs();
        var projectId = await owner.CreateProject();
        Assert.Equal(0, (await owner.Get(Path(projectId))).GetProperty("policies").GetArrayLength());

        await owner.Call(HttpMethod.Put, Path(projectId), new
        {
            policies = new object[]
            {
                new { priority = "high", first_reply_minutes = 30, next_reply_minutes = 60, resolve_minutes = 240, business_hours = false, pause_while_waiting = true },
                new { priority = "normal", first_reply_minutes = 120, next_reply_minutes = (int?)null, resolve_minutes = (int?)null },
            },
        }, HttpStatusCode.OK);
        var read = await cluster.Api(1).WithToken(owner.Token).Get(Path(projectId));
        Assert.Equal(["normal", "high"], read.GetProperty("policies").EnumerateArray().Select(p => p.GetProperty("priority").GetString()));
        var high = read.GetProperty("policies")[1];
        Assert.Equal(60, high.GetProperty("next_reply_minutes").GetInt32());
        Assert.True(high.GetProperty("pause_while_waiting").GetBoolean());
        Assert.False(read.GetProperty("policies")[0].GetProperty("business_hours").GetBoolean());

        var before = DateTime.UtcNow;
        var ticket = await owner.CreateTicket(projectId, extra: new { priority = "high" });
        var sla = ticket.GetProperty("sla");
        Assert.Equal("high", sla.GetProperty("policy").GetProperty("priority").GetString());
        Assert.Equal(JsonValueKind.Null, sla.GetProperty("policy").GetProperty("type_id").ValueKind);
        Assert.InRange(sla.GetProperty("first_reply_due_at").GetDateTime() - before, TimeSpan.FromMinutes(29), TimeSpan.FromMinutes(31));
        Assert.Equal(JsonValueKind.Null, sla.GetProperty("next_reply_due_at").ValueKind);
        Assert.False(sla.GetProperty("paused").GetBoolean());
        Assert.Equal(0, sla.GetProperty("paused_seconds").GetInt64());

        // Waiting pauses it (the policy says so): no resolution due time, the time left instead.
        var ticketId = ticket.GetProperty("id").GetGuid();
        var waiting = (await owner.Patch($"/v1/helpdesk/tickets/{ticketId}", new { status = "waiting" })).GetProperty("sla");
        Assert.True(waiting.GetProperty("paused").GetBoolean());
        Assert.Equal(JsonValueKind.Null, waiting.GetProperty("resolve_due_at").ValueKind);
        Assert.InRange(waiting.GetProperty("resolve_left_seconds").GetInt64(), 239 * 60, 240 * 60);

        // A lower priority picks the normal policy; the history says so.
        await owner.Patch($"/v1/helpdesk/tickets/{ticketId}", new { priority = "normal" });
        var details = await owner.Get($"/v1/helpdesk/tickets/{ticketId}");
        Assert.Equal("normal", details.GetProperty("sla").GetProperty("policy").GetProperty("priority").GetString());
        var entry = details.GetProperty("history").EnumerateArray().Single(h => h.GetProperty("field").GetString() == "sla_recomputed");
        Assert.Equal(("high", "normal"), (entry.GetProperty("from").GetString(), entry.GetProperty("to").GetString()));
    }

    [Fact]
    public async Task Duplicates_unknown_types_and_minutes_out_of_range_are_422_broken_bodies_400_and_nothing_changes()
    {
        var owner = await cluster.Api(0).LogInAs();
        var projectId = await owner.CreateProject();
        var kept = new { policies = new[] { new { priority = "urgent", first_reply_minutes = 15 } } };
        var stored = await owner.Call(HttpMethod.Put, Path(projectId), kept, HttpStatusCode.OK);

        var unprocessable = new object[]
        {
            new { policies = new[] { new { priority = "low", first_reply_minutes = 60 }, new { priority = "low", first_reply_minutes = 90 } } },
            new { policies = new[] { new { priority = "low", type_id = Guid.NewGuid(), first_reply_minutes = 60 } } },
            new { policies = new[] { new { priority = "low", first_reply_minutes = 0 } } },
            new { policies = new[] { new { priority = "low", first_reply_minutes = 6_000_000 } } },
            new { policies = new[] { new { priority = "low", resolve_minutes = -5 } } },
        };
        foreach (var body in unprocessable)
        {
            var problem = await owner.Call(HttpMethod.Put, Path(projectId), body, HttpStatusCode.UnprocessableEntity);
            Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
        }

        foreach (var raw in new[] { "{\"policies\": [", "{\"policies\": [{\"priority\": \"asap\"}]}", "{\"policies\": [{\"first_reply_minutes\": 5}]}",
                     "{\"policies\": [{\"priority\": \"low\", \"first_reply_minutes\": \"soon\"}]}", "{\"policies\": [{\"priority\": \"low\", \"colour\": 1}]}", "{}" })
        {
            using var response = await owner.SendRaw(HttpMethod.Put, Path(projectId), raw);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{raw}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        Assert.Equal(stored.GetRawText(), (await owner.Get(Path(projectId))).GetRawText());
    }

    [Fact]
    public async Task Without_policies_a_ticket_keeps_the_settings_targets_and_names_no_policy()
    {
        var owner = await cluster.Api(0).LogInAs();
        var projectId = await owner.CreateProject();
        await owner.Patch($"/v1/projects/{projectId}/helpdesk/settings", new { sla_first_reply_hours = 2 });
        var before = DateTime.UtcNow;
        var sla = (await owner.CreateTicket(projectId, extra: new { priority = "urgent" })).GetProperty("sla");
        Assert.Equal(JsonValueKind.Null, sla.GetProperty("policy").ValueKind);
        Assert.False(sla.GetProperty("business_hours").GetBoolean());
        Assert.InRange(sla.GetProperty("first_reply_due_at").GetDateTime() - before, TimeSpan.FromMinutes(119), TimeSpan.FromMinutes(121));
    }
}
