using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using StandardWebhooks;
using Orleans.Runtime;
using Orleans.Runtime.Placement;
using Zapnoty.Grains.Tests.Infrastructure;
using Zapnoty.Grains.Webhooks;
using static Zapnoty.Grains.Tests.Infrastructure.Poll;

namespace Zapnoty.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class WebhookTests(ClusterFixture cluster) : IAsyncLifetime
{
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.Start();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task Every_ticket_event_arrives_signed_with_its_payload_and_a_website_reply_shows_delivered()
    {
        var (agent, projectId) = await Project();
        var me = (await agent.Get("/v1/auth/me")).GetProperty("id").GetGuid();
        var (webhookId, secret) = await Subscribe(agent, projectId, _receiver.Url());

        var ticket = await agent.CreateTicket(projectId, "Where is my parcel?");
        var ticketId = ticket.GetProperty("id").GetGuid();
        var reply = await cluster.Api(1).WithToken(agent.Token).Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = "It ships today." });
        Assert.Equal("webhook", reply.GetProperty("delivery").GetString());
        await agent.Patch($"/v1/helpdesk/tickets/{ticketId}", new { status = "waiting", priority = "urgent", assignee_id = me });
        await agent.Post($"/v1/helpdesk/tickets/{ticketId}/customer-reply", new { text = "Thank you!" });

        var received = await _receiver.WaitFor(r => r.Count >= 8);
        Assert.Equal(
            ["ticket.created", "ticket.replied", "ticket.status_changed", "ticket.status_changed", "ticket.priority_changed",
             "ticket.assigned", "ticket.customer_replied", "ticket.status_changed"],
            received.Select(r => r.Type).Take(8));
        Assert.All(received, r => AssertSigned(r, secret));
        Assert.Equal(received.Count, received.Select(r => r.Id).Distinct().Count());

        var created = received[0].Data;
        Assert.Equal(1, created.GetProperty("ticket").GetProperty("number").GetInt64());
        Assert.Equal("Where is my parcel?", created.GetProperty("message").GetProperty("text").GetString());
        Assert.Equal("customer-1", created.GetProperty("ticket").GetProperty("customer").GetProperty("external_id").GetString());
        Assert.Equal(reply.GetProperty("id").GetGuid(), received[1].Data.GetProperty("message").GetProperty("id").GetGuid());
        Assert.Equal("It ships today.", received[1].Data.GetProperty("message").GetProperty("text").GetString());
        var assigned = received.Single(r => r.Type == "ticket.assigned").Data;
        Assert.Equal(me.ToString(), assigned.GetProperty("change").GetProperty("to").GetString());
        Assert.Equal(me, assigned.GetProperty("ticket").GetProperty("assignee").GetProperty("user_id").GetGuid());
        var priority = received.Single(r => r.Type == "ticket.priority_changed").Data.GetProperty("change");
        Assert.Equal(("priority", "normal", "urgent"), (priority.GetProperty("field").GetString(), priority.GetProperty("from").GetString(), priority.GetProperty("to").GetString()));
        var customer = received.Single(r => r.Type == "ticket.customer_replied").Data;
        Assert.Equal("Thank you!", customer.GetProperty("message").GetProperty("text").GetString());
        Assert.Equal("in_progress", customer.GetProperty("ticket").GetProperty("status").GetString());

        // The reply's delivery state follows its ticket.replied.
        await Eventually(async () =>
        {
            var messages = (await agent.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages").EnumerateArray();
            return messages.Single(m => m.GetProperty("id").GetGuid() == reply.GetProperty("id").GetGuid()).GetProperty("delivery").GetString() == "delivered";
        });
        var log = await agent.Get($"/v1/projects/{projectId}/webhooks/{webhookId}/deliveries");
        Assert.All(log.GetProperty("items").EnumerateArray(), d =>
        {
            Assert.Equal("delivered", d.GetProperty("status").GetString());
            Assert.Equal(200, d.GetProperty("attempt_log")[0].GetProperty("status_code").GetInt32());
        });
    }

    [Fact]
    public async Task A_receiver_that_is_down_for_a_while_gets_everything_in_order_per_ticket_with_stable_ids()
    {
        var (agent, projectId) = await Project();
        var (webhookId, secret) = await Subscribe(agent, projectId, _receiver.Url("down"));
        var down = true;
        _receiver.Answer = _ => down ? 503 : 200;

        var tickets = new List<Guid>();
        for (var i = 0; i < 3; i++)
            tickets.Add((await agent.CreateTicket(projectId, $"Problem {i}", $"customer-{i}")).GetProperty("id").GetGuid());
        foreach (var ticketId in tickets)
        {
            await agent.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = "First answer" });
            await agent.Patch($"/v1/helpdesk/tickets/{ticketId}", new { priority = "high" });
            await agent.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = "Second answer" });
        }
        await Eventually(() => Task.FromResult(_receiver.Received.Count(r => r.Path == "/down") >= 6));
        down = false;

        // 3 tickets × (created, replied, status_changed, priority_changed, replied).
        var accepted = await _receiver.WaitFor(r => r.Count >= 15, "down");
        Assert.Equal(15, accepted.Select(r => r.Id).Distinct().Count());
        foreach (var ticketId in tickets)
            Assert.Equal(["ticket.created", "ticket.replied", "ticket.status_changed", "ticket.priority_changed", "ticket.replied"],
                accepted.Where(r => r.TicketId == ticketId).Select(r => r.Type));

        // A later event of a ticket never went out while an earlier one was still undelivered.
        var sent = _receiver.Received.Where(r => r.Path == "/down").ToList();
        foreach (var ticketId in tickets)
        {
            var ofTicket = sent.Where(r => r.TicketId == ticketId).ToList();
            for (var i = 1; i < ofTicket.Count; i++)
                if (ofTicket[i].Id != ofTicket[i - 1].Id)
                    Assert.True(ofTicket[i - 1].AnsweredWith == 200, $"{ofTicket[i].Type} was sent before {ofTicket[i - 1].Type} was accepted");
        }
        // Retries reuse the webhook-id and still verify.
        var retried = sent.GroupBy(r => r.Id).First(g => g.Count() > 1).ToList();
        Assert.Equal(503, retried[0].AnsweredWith);
        Assert.All(sent, r => AssertSigned(r, secret));

        var log = await agent.Get($"/v1/projects/{projectId}/webhooks/{webhookId}/deliveries?limit=200");
        var attempts = log.GetProperty("items").EnumerateArray().SelectMany(d => d.GetProperty("attempt_log").EnumerateArray()).ToList();
        Assert.Contains(attempts, a => a.GetProperty("status_code").GetInt32() == 503 && a.GetProperty("response_body").GetString() == "receiver says 503");
        Assert.All(log.GetProperty("items").EnumerateArray(), d => Assert.Equal("delivered", d.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task A_backlog_on_many_tickets_drains_through_all_slots_once_each_in_order_per_ticket()
    {
        var (agent, projectId) = await Project();
        var (webhookId, _) = await Subscribe(agent, projectId, _receiver.Url("backlog"));
        var up = false;
        _receiver.Answer = r => r.Path != "/backlog" || up ? 200 : 503;
        // Slow enough answers that several requests, their records and the next look overlap.
        _receiver.Delay = r => r.Path == "/backlog" ? TimeSpan.FromMilliseconds(30) : TimeSpan.Zero;

        const int ticketCount = 12;
        var tickets = new List<(Guid Ticket, Guid[] Replies)>();
        for (var i = 0; i < ticketCount; i++)
        {
            var ticketId = (await agent.CreateTicket(projectId, $"Backlog {i}", $"customer-{i}")).GetProperty("id").GetGuid();
            var first = await agent.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = "First" });
            var second = await agent.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = "Second" });
            tickets.Add((ticketId, [first.GetProperty("id").GetGuid(), second.GetProperty("id").GetGuid()]));
        }
        // Every ticket's first event has been refused once: the rest of each ticket waits behind it.
        await Eventually(() => Task.FromResult(_receiver.Received.Where(r => r.Path == "/backlog").Select(r => r.TicketId).Distinct().Count() == ticketCount));
        up = true;

        var accepted = await _receiver.WaitFor(r => r.Count >= ticketCount * 4, "backlog");
        Assert.Equal(accepted.Count, accepted.Select(r => r.Id).Distinct().Count());
        var sent = _receiver.Received.Where(r => r.Path == "/backlog").ToList();
        foreach (var (ticketId, _) in tickets)
        {
            Assert.Equal(["ticket.created", "ticket.replied", "ticket.status_changed", "ticket.replied"],
                accepted.Where(r => r.TicketId == ticketId).Select(r => r.Type));
            var ofTicket = sent.Where(r => r.TicketId == ticketId).ToList();
            for (var i = 1; i < ofTicket.Count; i++)
                if (ofTicket[i].Id != ofTicket[i - 1].Id)
                    Assert.True(ofTicket[i - 1].AnsweredWith == 200, $"{ofTicket[i].Type} was sent before {ofTicket[i - 1].Type} was accepted");
        }

        // Every attempt is in the log, and each delivery ended with exactly one accepted attempt.
        var deliveries = $"/v1/projects/{projectId}/webhooks/{webhookId}/deliveries?limit=200";
        // The last acceptances may still be on their way to the database.
        await Eventually(async () => (await agent.Get(deliveries)).GetProperty("items").EnumerateArray()
            .All(d => d.GetProperty("status").GetString() == "delivered"));
        var log = (await agent.Get(deliveries)).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(ticketCount * 4, log.Count);
        Assert.All(log, d =>
        {
            Assert.Equal("delivered", d.GetProperty("status").GetString());
            var attempts = d.GetProperty("attempt_log").EnumerateArray().Select(a => a.GetProperty("status_code").GetInt32()).ToList();
            Assert.Equal(d.GetProperty("attempts").GetInt32(), attempts.Count);
            Assert.Equal(1, attempts.Count(code => code == 200));
        });
        Assert.Equal(sent.Count, log.Sum(d => d.GetProperty("attempts").GetInt32()));
        foreach (var (ticketId, replies) in tickets)
            await Eventually(async () => (await agent.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages").EnumerateArray()
                .Where(m => replies.Contains(m.GetProperty("id").GetGuid())).All(m => m.GetProperty("delivery").GetString() == "delivered"));
    }

    [Fact]
    public async Task One_tickets_failing_delivery_holds_back_only_that_ticket_and_a_manual_retry_sends_it_again()
    {
        var (agent, projectId) = await Project();
        var (webhookId, _) = await Subscribe(agent, projectId, _receiver.Url("picky"), "ticket.created", "ticket.customer_replied");
        var stuck = (await agent.CreateTicket(projectId, "Refuse me", "stuck")).GetProperty("id").GetGuid();
        var refuse = true;
        _receiver.Answer = r => refuse && r.TicketId == stuck ? 500 : 200;
        await agent.Post($"/v1/helpdesk/tickets/{stuck}/customer-reply", new { text = "Hello?" });
        var other = (await agent.CreateTicket(projectId, "Let me through", "other")).GetProperty("id").GetGuid();

        var accepted = await _receiver.WaitFor(r => r.Any(x => x.TicketId == other), "picky");
        Assert.DoesNotContain(accepted, r => r.TicketId == stuck);

        // After the whole schedule the stuck ticket's first event fails for good; only then its next one goes.
        var deliveries = $"/v1/projects/{projectId}/webhooks/{webhookId}/deliveries";
        await Eventually(async () => (await agent.Get($"{deliveries}?status=failed")).GetProperty("items").GetArrayLength() == 1, seconds: 20);
        var failed = (await agent.Get($"{deliveries}?status=failed")).GetProperty("items")[0];
        Assert.Equal("ticket.created", failed.GetProperty("event_type").GetString());
        Assert.Equal(ClusterFixture.WebhookRetries + 1, failed.GetProperty("attempts").GetInt32());
        Assert.Equal(ClusterFixture.WebhookRetries + 1, failed.GetProperty("attempt_log").GetArrayLength());
        Assert.Equal("HTTP 500", failed.GetProperty("last_error").GetString());

        refuse = false;
        await _receiver.WaitFor(r => r.Any(x => x.TicketId == stuck && x.Type == "ticket.customer_replied"), "picky");
        await agent.Post($"{deliveries}/{failed.GetProperty("id").GetGuid()}/retry", new { }, HttpStatusCode.Accepted);
        var all = await _receiver.WaitFor(r => r.Any(x => x.TicketId == stuck && x.Type == "ticket.created"), "picky");
        Assert.Equal(failed.GetProperty("event_id").GetGuid().ToString(), all.Last(x => x.TicketId == stuck && x.Type == "ticket.created").Id);
        // Once the retried delivery is recorded as delivered, it can be sent again on request (a redelivery).
        await Eventually(async () => (await agent.Get($"{deliveries}?status=failed")).GetProperty("items").GetArrayLength() == 0
            && (await agent.Get($"{deliveries}?status=pending")).GetProperty("items").GetArrayLength() == 0);
        await agent.Call(HttpMethod.Post, $"{deliveries}/{failed.GetProperty("id").GetGuid()}/retry", new { }, HttpStatusCode.Accepted);
        await agent.Call(HttpMethod.Post, $"{deliveries}/{Guid.NewGuid()}/retry", new { }, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_410_disables_the_endpoint_and_the_website_reply_it_carried_shows_failed()
    {
        var (agent, projectId) = await Project();
        var (webhookId, _) = await Subscribe(agent, projectId, _receiver.Url("gone"), "ticket.replied");
        _receiver.Answer = r => r.Path == "/gone" ? 410 : 200;
        var ticketId = (await agent.CreateTicket(projectId)).GetProperty("id").GetGuid();
        var reply = await agent.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = "Hello" });

        await Eventually(async () => !(await agent.Get($"/v1/projects/{projectId}/webhooks/{webhookId}")).GetProperty("enabled").GetBoolean());
        var webhook = await agent.Get($"/v1/projects/{projectId}/webhooks/{webhookId}");
        Assert.Contains("410", webhook.GetProperty("disabled_reason").GetString());
        await Eventually(async () =>
        {
            var message = (await agent.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages").EnumerateArray()
                .Single(m => m.GetProperty("id").GetGuid() == reply.GetProperty("id").GetGuid());
            return message.GetProperty("delivery").GetString() == "failed" && message.GetProperty("delivery_error").GetString()!.Contains("410");
        });

        // Nothing more goes to a disabled endpoint, and new replies know it.
        var sent = _receiver.Received.Count(r => r.Path == "/gone");
        var second = await agent.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = "Anyone?" });
        Assert.Equal("failed", second.GetProperty("delivery").GetString());
        await Task.Delay(1500);
        Assert.Equal(sent, _receiver.Received.Count(r => r.Path == "/gone"));
        Assert.Contains("webhook.disabled", (await agent.Get($"/v1/projects/{projectId}/audit")).GetProperty("items").EnumerateArray()
            .Select(e => e.GetProperty("action").GetString()));

        // Enabled again, it receives new events.
        _receiver.Answer = _ => 200;
        Assert.True((await agent.Patch($"/v1/projects/{projectId}/webhooks/{webhookId}", new { enabled = true })).GetProperty("enabled").GetBoolean());
        await agent.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = "Back again" });
        await _receiver.WaitFor(r => r.Any(x => x.Data.GetProperty("message").GetProperty("text").GetString() == "Back again"), "gone");
    }

    [Fact]
    public async Task After_a_rotation_both_secrets_sign_until_the_old_one_expires()
    {
        var (agent, projectId) = await Project();
        var (webhookId, oldSecret) = await Subscribe(agent, projectId, _receiver.Url("rotated"));
        var rotated = await agent.Post($"/v1/projects/{projectId}/webhooks/{webhookId}/rotate-secret", new { }, HttpStatusCode.OK);
        var newSecret = rotated.GetProperty("secret").GetString()!;
        Assert.NotEqual(oldSecret, newSecret);
        var validUntil = rotated.GetProperty("previous_secret_valid_until").GetDateTime();
        Assert.InRange(validUntil - DateTime.UtcNow, TimeSpan.FromHours(23.9), TimeSpan.FromHours(24.1));

        await agent.CreateTicket(projectId);
        var received = (await _receiver.WaitFor(r => r.Count >= 1, "rotated"))[0];
        Assert.Equal(2, received.Signature.Split(' ').Length);
        AssertSigned(received, newSecret, oldSecret);
    }

    [Fact]
    public async Task An_event_committed_by_a_silo_that_died_before_delivering_is_delivered_by_the_survivors()
    {
        var (agent, projectId) = await Project();
        await Subscribe(agent, projectId, _receiver.Url("orphan"));
        var ticket = await agent.CreateTicket(projectId);
        await _receiver.WaitFor(r => r.Count == 1, "orphan");

        // The change and its outbox rows commit, and the process dies before it tells any
        // dispatcher: exactly the write a TicketGrain makes, without the nudge that follows it.
        var store = new Zapnoty.Grains.Tickets.TicketStore(cluster.Database);
        var before = (await store.Load(ticket.GetProperty("id").GetGuid(), CancellationToken.None))!.Ticket;
        var at = DateTimeOffset.UtcNow;
        var after = before with { Priority = Zapnoty.Grains.Tickets.TicketPriority.Urgent, UpdatedAt = at, Version = before.Version + 1 };
        var change = new Zapnoty.Grains.Tickets.HistoryEntry(at, Actor.System, "priority", "normal", "urgent");
        var saved = await store.Save(new Zapnoty.Grains.Tickets.TicketWrite(after, before.Version, null, [change],
            Zapnoty.Grains.Webhooks.TicketEvents.OfChanges(after, [change], Zapnoty.Grains.Team.TeamDirectory.Empty).ToList()), CancellationToken.None);
        Assert.Equal(1, saved!.Deliveries);

        var received = await _receiver.WaitFor(r => r.Count == 2, "orphan", seconds: 20);
        Assert.Equal("ticket.priority_changed", received[1].Type);
        Assert.Equal("urgent", received[1].Data.GetProperty("ticket").GetProperty("priority").GetString());
    }

    [Fact]
    public async Task Deliveries_a_killed_silo_was_working_on_are_made_by_the_survivors()
    {
        _receiver.Answer = r => r.Path == "/survivors" && !_receiverUp ? 503 : 200;
        var extra = await cluster.Cluster.StartAdditionalSiloAsync();
        using var http = new HttpClient { BaseAddress = ClusterFixture.ApiAddress(extra) };
        var viaExtra = new ApiClient(http, cluster.Smtp).WithToken((await cluster.Api().LogInAs()).Token);

        // Three projects whose dispatchers are placed on the silo we are going to kill (a
        // placement hint for their first activation), each with a delivery it is retrying.
        var projects = new List<Guid>();
        var management = cluster.Grains.GetGrain<IManagementGrain>(0);
        for (var i = 0; i < 3; i++)
        {
            var projectId = await viaExtra.CreateProject();
            RequestContext.Set(IPlacementDirector.PlacementHintKey, extra.SiloAddress);
            try
            {
                await cluster.Grains.GetGrain<Zapnoty.Grains.Webhooks.IWebhookDispatcherGrain>(projectId).List();
            }
            finally
            {
                RequestContext.Remove(IPlacementDirector.PlacementHintKey);
            }
            await Subscribe(viaExtra, projectId, _receiver.Url("survivors"));
            await viaExtra.CreateTicket(projectId, "Before the crash");
            projects.Add(projectId);
        }
        await Eventually(() => Task.FromResult(_receiver.Received.Count(r => r.Path == "/survivors") >= projects.Count));
        Assert.True(await DispatcherOn(management, extra.SiloAddress, projects), "The dispatchers are not on the extra silo.");

        await cluster.Cluster.KillSiloAsync(extra);
        _receiverUp = true;

        var accepted = await _receiver.WaitFor(r => r.Select(x => x.Id).Distinct().Count() >= projects.Count, "survivors", seconds: 90);
        Assert.Equal(projects.Count, accepted.Select(r => r.Id).Distinct().Count());
        Assert.All(accepted, r => Assert.Equal("ticket.created", r.Type));
    }

    private volatile bool _receiverUp;

    private static async Task<bool> DispatcherOn(IManagementGrain management, SiloAddress silo, IReadOnlyCollection<Guid> projects)
    {
        if (projects.Count == 0) return false;
        var activations = await management.GetDetailedGrainStatistics(hostsIds: [silo]);
        return activations.Any(a => a.GrainType.Contains(nameof(Zapnoty.Grains.Webhooks.WebhookDispatcherGrain))
            && projects.Any(p => a.GrainId.ToString().Contains(p.ToString("N")) || a.GrainId.ToString().Contains(p.ToString())));
    }

    [Fact]
    public async Task Endpoints_are_validated_and_subscriptions_filter_events()
    {
        var (agent, projectId) = await Project();
        var hooks = $"/v1/projects/{projectId}/webhooks";
        await agent.Call(HttpMethod.Post, hooks, new { url = "ftp://example.com/x" }, HttpStatusCode.BadRequest);
        await agent.Call(HttpMethod.Post, hooks, new { url = "not a url" }, HttpStatusCode.BadRequest);
        await agent.Call(HttpMethod.Post, hooks, new { url = _receiver.Url(), events = new[] { "ticket.exploded" } }, HttpStatusCode.BadRequest);
        await agent.Call(HttpMethod.Post, hooks, new { url = _receiver.Url(), events = Array.Empty<string>() }, HttpStatusCode.BadRequest);

        var (webhookId, _) = await Subscribe(agent, projectId, _receiver.Url("only-replies"), "ticket.replied");
        var listed = Assert.Single((await agent.Get(hooks)).GetProperty("items").EnumerateArray());
        Assert.False(listed.TryGetProperty("secret", out _));
        Assert.Equal(["ticket.replied"], listed.GetProperty("events").EnumerateArray().Select(e => e.GetString()));

        var ticketId = (await agent.CreateTicket(projectId)).GetProperty("id").GetGuid();
        await agent.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = "Only this one" });
        var received = await _receiver.WaitFor(r => r.Count >= 1, "only-replies");
        Assert.Equal("ticket.replied", Assert.Single(received).Type);

        await agent.Call(HttpMethod.Delete, $"{hooks}/{webhookId}", null, HttpStatusCode.NoContent);
        await agent.Call(HttpMethod.Get, $"{hooks}/{webhookId}", null, HttpStatusCode.NotFound);
        Assert.Equal(0, (await agent.Get(hooks)).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task A_slow_endpoint_does_not_hold_up_another_endpoint_of_the_project()
    {
        var (agent, projectId) = await Project();
        await Subscribe(agent, projectId, _receiver.Url("slow"), "ticket.created");
        await Subscribe(agent, projectId, _receiver.Url("fast"), "ticket.created");
        _receiver.Delay = r => r.Path == "/slow" ? TimeSpan.FromSeconds(4) : TimeSpan.Zero;

        var started = DateTime.UtcNow;
        for (var i = 0; i < 6; i++) await agent.CreateTicket(projectId, $"Ticket {i}", $"customer-{i}");
        await _receiver.WaitFor(r => r.Count == 6, "fast");

        // The slow endpoint's first round is still waiting for answers; the fast one has all six.
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(4), "The fast endpoint waited for the slow one.");
        Assert.Empty(_receiver.Accepted("slow"));
        await _receiver.WaitFor(r => r.Count == 6, "slow", seconds: 30);
    }

    [Fact]
    public async Task A_redirect_is_a_failed_attempt_not_followed()
    {
        var (agent, projectId) = await Project();
        var (webhookId, _) = await Subscribe(agent, projectId, _receiver.Url("moved"), "ticket.created");
        _receiver.Answer = r => r.Path == "/moved" ? 302 : 200;
        await agent.CreateTicket(projectId);

        var deliveries = $"/v1/projects/{projectId}/webhooks/{webhookId}/deliveries";
        await Eventually(async () => (await agent.Get(deliveries)).GetProperty("items")[0].GetProperty("attempts").GetInt32() >= 2);
        var delivery = (await agent.Get(deliveries)).GetProperty("items")[0];
        Assert.NotEqual("delivered", delivery.GetProperty("status").GetString());
        Assert.All(delivery.GetProperty("attempt_log").EnumerateArray(), a => Assert.Equal(302, a.GetProperty("status_code").GetInt32()));
        Assert.All(_receiver.Received, r => Assert.Equal("/moved", r.Path));
    }

    /// <summary>The silo-wide attempt log commits many dispatchers' attempts together; one bad record must not sink the rest.</summary>
    [Fact]
    public async Task A_record_that_cannot_be_written_fails_only_its_own_caller_of_the_shared_attempt_log()
    {
        var agent = await cluster.Api().LogInAs();
        var projectId = await agent.CreateProject();
        var webhookId = (await agent.Post($"/v1/projects/{projectId}/webhooks", new { url = _receiver.Url("log") })).GetProperty("id").GetGuid();
        var ticketId = (await agent.CreateTicket(projectId)).GetProperty("id").GetGuid();
        var deliveries = $"/v1/projects/{projectId}/webhooks/{webhookId}/deliveries";
        await Eventually(async () => (await agent.Get(deliveries)).GetProperty("items")[0].GetProperty("status").GetString() == "delivered");
        var stored = (await agent.Get(deliveries)).GetProperty("items")[0];

        // Two more attempts of the delivered delivery (as a redelivery would add), and one of a
        // delivery that does not exist, handed in together so they may share a commit.
        var delivery = new DueDelivery(stored.GetProperty("id").GetGuid(), stored.GetProperty("event_id").GetGuid(), ticketId, 1,
            "ticket.created", DateTimeOffset.UtcNow, "{}", null);
        var log = new AttemptLog(cluster.Database, NullLogger<AttemptLog>.Instance);
        AttemptRecord Accepted(DueDelivery d, string body) =>
            new(d, new AttemptOutcome(DateTimeOffset.UtcNow, 200, 3, null, body), DeliveryStatus.Delivered, null);
        var first = log.Record([Accepted(delivery, "again 1")]);
        var orphan = log.Record([Accepted(delivery with { Id = Guid.NewGuid() }, "nobody's")]);
        var second = log.Record([Accepted(delivery, "again 2")]);

        await first;
        await second;
        await Assert.ThrowsAsync<PostgresException>(() => orphan);
        var attempts = (await agent.Get(deliveries)).GetProperty("items")[0].GetProperty("attempt_log").EnumerateArray()
            .Select(a => a.GetProperty("response_body").GetString()).ToList();
        Assert.Equal(3, attempts.Count);
        Assert.Contains("again 1", attempts);
        Assert.Contains("again 2", attempts);
    }

    /// <summary>
    /// The receiver's check, twice: with an independent Standard Webhooks library, and by the
    /// spec's formula for every secret. (StandardWebhooks 1.1.2 compares only the first
    /// signature of the header, so it checks the current secret, which we sign with first.)
    /// </summary>
    private static void AssertSigned(ReceivedWebhook received, params string[] secrets)
    {
        new StandardWebhook(secrets[0]).Verify(received.Body, received.Headers);

        var content = Encoding.UTF8.GetBytes($"{received.Id}.{received.Timestamp}.{received.Body}");
        var expected = secrets.Select(s => "v1," + Convert.ToBase64String(HMACSHA256.HashData(Convert.FromBase64String(s["whsec_".Length..]), content)));
        Assert.Equal(expected, received.Signature.Split(' '));
        Assert.InRange(long.Parse(received.Timestamp), DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        using var body = JsonDocument.Parse(received.Body);
        Assert.Equal(["type", "timestamp", "data"], body.RootElement.EnumerateObject().Select(p => p.Name));
    }

    private async Task<(ApiClient Agent, Guid ProjectId)> Project()
    {
        var agent = await cluster.Api().LogInAs();
        return (agent, await agent.CreateProject());
    }

    private static async Task<(Guid Id, string Secret)> Subscribe(ApiClient agent, Guid projectId, string url, params string[] events)
    {
        var created = await agent.Post($"/v1/projects/{projectId}/webhooks", events.Length == 0 ? (object)new { url } : new { url, events });
        var secret = created.GetProperty("secret").GetString()!;
        Assert.StartsWith("whsec_", secret);
        Assert.Equal(32, Convert.FromBase64String(secret["whsec_".Length..]).Length);
        return (created.GetProperty("id").GetGuid(), secret);
    }

}
