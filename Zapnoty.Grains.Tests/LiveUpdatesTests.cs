using System.Net;
using System.Net.ServerSentEvents;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.TestingHost;
using Zapnoty.Api.Live;
using Zapnoty.Grains.Access;
using Zapnoty.Grains.Live;
using Zapnoty.Grains.Tickets;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// The project's event stream (server-sent events) across the two silos of the cluster: changes
/// made through one silo reach streams open on the other, a reconnect resumes exactly where it
/// left, a client that does not read costs bounded memory, and only members may listen.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class LiveUpdatesTests(ClusterFixture cluster)
{
    [Fact]
    public async Task Changes_made_through_silo_B_reach_a_stream_open_on_silo_A()
    {
        var agent = await cluster.Api(0).LogInAs();
        var projectId = await agent.CreateProject();
        await using var stream = await EventStreamClient.Open(cluster.Silos[0], agent.Token, projectId);
        var first = stream.Events[0];
        Assert.Equal("counts", first.Event);
        Assert.Equal(0, first.Json.GetProperty("new").GetInt32());

        var throughB = new ApiClient(cluster.Silos[1], cluster.Smtp, agent.Token);
        var ticket = await throughB.CreateTicket(projectId, "The parcel never came");
        var ticketId = ticket.GetProperty("id").GetGuid();
        await throughB.Post($"/v1/helpdesk/tickets/{ticketId}/customer-reply", new { text = "Any news?" });
        await throughB.Patch($"/v1/helpdesk/tickets/{ticketId}", new { priority = "urgent", status = "waiting" });

        var events = await stream.WaitFor(e => e.Count(x => x.Type is not null) >= 4 && e[^1].Event == "counts" && e[^1].Json.GetProperty("waiting").GetInt32() == 1);
        var ticketEvents = events.Where(e => e.Type is not null).ToList();
        Assert.Equal(["ticket.created", "message.created", "ticket.updated", "ticket.updated"], ticketEvents.Select(e => e.Event));
        Assert.Equal(["ticket.created", "ticket.customer_replied", "ticket.status_changed", "ticket.priority_changed"], ticketEvents.Select(e => e.Type));
        Assert.All(ticketEvents, e => Assert.Equal(ticketId, e.Json.GetProperty("ticket").GetProperty("id").GetGuid()));
        Assert.Equal("Any news?", ticketEvents[1].Json.GetProperty("message").GetProperty("text").GetString());
        // Ids are the positions in the project's stream: consecutive, in commit order.
        var ids = ticketEvents.Select(e => long.Parse(e.Id!)).ToList();
        Assert.Equal(Enumerable.Range((int)ids[0], 4).Select(i => (long)i), ids);
    }

    [Fact]
    public async Task A_stream_reopened_with_Last_Event_ID_receives_exactly_the_events_missed_in_order()
    {
        var agent = await cluster.Api(0).LogInAs();
        var projectId = await agent.CreateProject();
        string lastSeen;
        Guid ticketId;
        await using (var stream = await EventStreamClient.Open(cluster.Silos[0], agent.Token, projectId))
        {
            ticketId = (await agent.CreateTicket(projectId)).GetProperty("id").GetGuid();
            var created = (await stream.WaitFor(e => e.Any(x => x.Event == "ticket.created"))).First(x => x.Event == "ticket.created");
            lastSeen = created.Id!;
        }

        // While nobody listens, through the other silo.
        var throughB = new ApiClient(cluster.Silos[1], cluster.Smtp, agent.Token);
        await throughB.Post($"/v1/helpdesk/tickets/{ticketId}/customer-reply", new { text = "Hello again" });
        await throughB.Patch($"/v1/helpdesk/tickets/{ticketId}", new { priority = "high" });
        await throughB.Patch($"/v1/helpdesk/tickets/{ticketId}", new { status = "waiting" });

        await using var resumed = await EventStreamClient.Open(cluster.Silos[0], agent.Token, projectId, lastSeen);
        // One more after the reconnect: the backlog and the live events join without a seam.
        await agent.Patch($"/v1/helpdesk/tickets/{ticketId}", new { status = "closed" });
        var events = await resumed.WaitFor(e => e.Count(x => x.Type is not null) >= 4);
        var ticketEvents = events.Where(e => e.Type is not null).ToList();
        Assert.Equal(["ticket.customer_replied", "ticket.priority_changed", "ticket.status_changed", "ticket.status_changed"], ticketEvents.Select(e => e.Type));
        Assert.Equal("Hello again", ticketEvents[0].Json.GetProperty("message").GetProperty("text").GetString());
        Assert.Equal("closed", ticketEvents[3].Json.GetProperty("change").GetProperty("to").GetString());
        Assert.Equal(Enumerable.Range(1, 4).Select(i => long.Parse(lastSeen) + i), ticketEvents.Select(e => long.Parse(e.Id!)));
        Assert.DoesNotContain(events, e => e.Event == "reset");
    }

    [Fact]
    public async Task A_Last_Event_ID_the_stream_never_sent_gets_a_reset_and_a_malformed_one_400()
    {
        var agent = await cluster.Api(0).LogInAs();
        var projectId = await agent.CreateProject();
        await using var stream = await EventStreamClient.Open(cluster.Silos[1], agent.Token, projectId, "999999");
        Assert.Equal("reset", stream.Events[0].Event);
        Assert.Equal("0", stream.Events[0].Id);

        using var malformed = await EventStreamClient.Request(cluster.Silos[0], agent.Token, projectId, "yesterday");
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Contains("Last-Event-ID", await malformed.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Only_members_of_the_project_may_open_its_stream()
    {
        var owner = await cluster.Api(0).LogInAs();
        var projectId = await owner.CreateProject();
        var stranger = await cluster.Api(1).LogInAs();
        var otherProject = await stranger.CreateProject();
        var strangersKey = (await stranger.Post($"/v1/projects/{otherProject}/api-keys", new { name = "crm" })).GetProperty("key").GetString();

        using var anonymous = await EventStreamClient.Request(cluster.Silos[0], null, projectId);
        using var asStranger = await EventStreamClient.Request(cluster.Silos[0], stranger.Token, projectId);
        using var withOtherKey = await EventStreamClient.Request(cluster.Silos[1], strangersKey, projectId);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, asStranger.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, withOtherKey.StatusCode);
    }

    [Fact]
    public async Task A_member_removed_from_the_project_loses_the_stream_at_the_next_heartbeat()
    {
        var owner = await cluster.Api(0).LogInAs();
        var projectId = await owner.CreateProject();
        var email = $"viewer-{Guid.NewGuid():N}@example.com";
        var viewer = await cluster.Api(1).LogInAs(email);
        var member = await owner.Post($"/v1/projects/{projectId}/members", new { email, role = "viewer" });
        await using var stream = await EventStreamClient.Open(cluster.Silos[1], viewer.Token, projectId);

        await owner.Call(HttpMethod.Delete, $"/v1/projects/{projectId}/members/{member.GetProperty("id").GetGuid()}", null, HttpStatusCode.NoContent);

        // Heartbeats come every second here (production: 15 s); the credential cache rechecks every second.
        await stream.Ended.WaitAsync(TimeSpan.FromSeconds(15));
        using var again = await EventStreamClient.Request(cluster.Silos[1], viewer.Token, projectId);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task One_person_may_hold_only_a_few_streams_open_at_once()
    {
        var agent = await cluster.Api(0).LogInAs();
        var projectId = await agent.CreateProject();
        var open = new List<EventStreamClient>();
        try
        {
            for (var i = 0; i < 5; i++) open.Add(await EventStreamClient.Open(cluster.Silos[0], agent.Token, projectId));
            using var sixth = await EventStreamClient.Request(cluster.Silos[0], agent.Token, projectId);
            Assert.Equal(HttpStatusCode.TooManyRequests, sixth.StatusCode);
            Assert.NotNull(sixth.Headers.RetryAfter);

            await open[0].DisposeAsync();
            open.RemoveAt(0);
            await Poll.Eventually(async () =>
            {
                using var retry = await EventStreamClient.Request(cluster.Silos[0], agent.Token, projectId);
                return retry.StatusCode == HttpStatusCode.OK;
            });
        }
        finally
        {
            foreach (var stream in open) await stream.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_cap_on_a_persons_streams_holds_across_silos_and_a_closed_stream_frees_its_place_on_the_other()
    {
        var agent = await cluster.Api(0).LogInAs();
        var projectId = await agent.CreateProject();
        var open = new List<EventStreamClient>();
        try
        {
            // Three tabs on silo A, two on silo B: five in the project, wherever they are.
            for (var i = 0; i < 5; i++) open.Add(await EventStreamClient.Open(cluster.Silos[i % 2 == 0 ? 0 : 1], agent.Token, projectId));
            foreach (var silo in cluster.Silos)
            {
                using var sixth = await EventStreamClient.Request(silo, agent.Token, projectId);
                Assert.Equal(HttpStatusCode.TooManyRequests, sixth.StatusCode);
                Assert.Contains("open in this project", await sixth.Content.ReadAsStringAsync());
            }
            // Another project of the same person has its own five.
            var other = await agent.CreateProject();
            await using (var elsewhere = await EventStreamClient.Open(cluster.Silos[1], agent.Token, other)) { }

            // A tab on silo A closes: silo B may open one.
            await open[0].DisposeAsync();
            open.RemoveAt(0);
            await Poll.Eventually(async () =>
            {
                using var retry = await EventStreamClient.Request(cluster.Silos[1], agent.Token, projectId);
                return retry.StatusCode == HttpStatusCode.OK;
            });
        }
        finally
        {
            foreach (var stream in open) await stream.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_stream_whose_client_stops_reading_queues_a_bounded_number_of_events_then_is_told_to_reset()
    {
        var agent = await cluster.Api(0).LogInAs();
        var projectId = await agent.CreateProject();
        var ticketId = (await agent.CreateTicket(projectId)).GetProperty("id").GetGuid();
        // The stream exactly as the route runs it, on silo A's own feed, enumerated by hand: the
        // test is the client, and it stops reading after the first event.
        var services = ((InProcessSiloHandle)cluster.Cluster.Silos[0]).SiloHost.Services;
        var feeds = services.GetRequiredService<LiveFeeds>();
        var slots = services.GetRequiredService<LiveStreamSlots>();
        var person = Guid.NewGuid();
        Assert.True(slots.TryTake(person, 1));
        var lease = new LiveStreamLease(cluster.Grains.GetGrain<ILiveHubGrain>(projectId), person, services.GetRequiredService<IOptions<LiveOptions>>().Value,
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        Assert.True(await lease.Take());
        await using var stream = new LiveStream(projectId, null, person, Credentials.GrainKey(agent.Token!), feeds, slots, lease,
            services.GetRequiredService<LiveEventStore>(), services.GetRequiredService<TicketList>(), cluster.Grains, TimeProvider.System);
        await using var events = stream.Run(CancellationToken.None).GetAsyncEnumerator();
        Assert.True(await events.MoveNextAsync());
        Assert.Equal("counts", events.Current.EventType);

        const int messages = 150;
        await Parallel.ForEachAsync(Enumerable.Range(0, messages), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (n, _) =>
            await agent.Post($"/v1/helpdesk/tickets/{ticketId}/customer-reply", new { text = $"Message {n}" }));
        await Task.Delay(TimeSpan.FromSeconds(1));

        // Reading again: at most the queue's worth (64 here) of what was missed, then a reset.
        var queued = new List<SseItem<string>>();
        while (await events.MoveNextAsync() && events.Current.EventType != "reset") queued.Add(events.Current);
        Assert.Equal("reset", events.Current.EventType);
        Assert.InRange(queued.Count(e => e.EventType == "message.created"), 1, 64);
        var resetAt = long.Parse(events.Current.EventId!);
        Assert.True(resetAt >= messages + 1, $"The reset continues after event {resetAt}, before the last message.");

        // After the reset the stream is live again.
        await agent.Patch($"/v1/helpdesk/tickets/{ticketId}", new { priority = "urgent" });
        while (await events.MoveNextAsync() && events.Current.EventType != "ticket.updated") { }
        Assert.Equal(resetAt + 1, long.Parse(events.Current.EventId!));
    }
}
