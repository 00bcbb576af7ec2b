using Microsoft.Extensions.Options;
using Zapnoty.Grains.Channels;
using Zapnoty.Grains.Tests.Infrastructure;
using Zapnoty.Grains.Webhooks;
using static Zapnoty.Grains.Tests.Infrastructure.Poll;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// A server that answers and then stalls must not hold a delivery, a download, a socket or the
/// webhook dispatcher (review finding 9): every outbound call ends within a deadline.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class OutboundDeadlineTests(ClusterFixture cluster)
{
    [Fact]
    public async Task A_receiver_that_stalls_after_its_headers_gets_a_failed_attempt_within_the_deadline()
    {
        await using var tarpit = TarpitReceiver.Start();
        var (endpoint, delivery) = WebhookTargetTests.Event(tarpit.Url());
        using var sender = new WebhookSender(Options.Create(new WebhookOptions { AllowPrivateTargets = true, Timeout = TimeSpan.FromSeconds(1) }),
            TimeProvider.System);

        var attempt = await sender.Send(endpoint, delivery, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(1, tarpit.Requests);
        Assert.Null(attempt.StatusCode);
        Assert.Contains("No complete answer within 1 s", attempt.Error);
        Assert.InRange(attempt.DurationMs, 900, 5000);
    }

    [Fact]
    public async Task A_tarpit_endpoint_is_recorded_as_timed_out_and_retried_while_other_endpoints_get_their_events()
    {
        await using var tarpit = TarpitReceiver.Start();
        await using var receiver = await WebhookReceiver.Start();
        var agent = await cluster.Api().LogInAs();
        var projectId = await agent.CreateProject();
        var stalled = (await agent.Post($"/v1/projects/{projectId}/webhooks", new { url = tarpit.Url(), events = new[] { "ticket.created" } }))
            .GetProperty("id").GetGuid();
        await agent.Post($"/v1/projects/{projectId}/webhooks", new { url = receiver.Url(), events = new[] { "ticket.created" } });

        await agent.CreateTicket(projectId, "First", "customer-1");
        await receiver.WaitFor(r => r.Count == 1);

        // The stalled attempt ends at the deadline (6 s in these tests), is logged as such and comes back later.
        var deliveries = $"/v1/projects/{projectId}/webhooks/{stalled}/deliveries";
        await Eventually(async () => (await agent.Get(deliveries)).GetProperty("items")[0].GetProperty("attempts").GetInt32() == 1, seconds: 20);
        var delivery = (await agent.Get(deliveries)).GetProperty("items")[0];
        Assert.Equal("pending", delivery.GetProperty("status").GetString());
        var attempt = Assert.Single(delivery.GetProperty("attempt_log").EnumerateArray());
        Assert.Contains("No complete answer within 6 s", attempt.GetProperty("error").GetString());
        Assert.InRange(attempt.GetProperty("duration_ms").GetInt32(), 5000, 9000);
        await Eventually(() => Task.FromResult(tarpit.Requests >= 2), seconds: 20);

        // Meanwhile the project's other endpoint keeps getting new events.
        await agent.CreateTicket(projectId, "Second", "customer-2");
        await receiver.WaitFor(r => r.Count == 2, seconds: 5);
    }

    [Fact]
    public async Task A_messenger_file_that_stops_arriving_ends_the_download_instead_of_holding_the_connection()
    {
        await using var tarpit = TarpitReceiver.Start();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };

        var opened = Assert.IsType<AttachmentDownload.Opened>(await FileStreams.Open(http, new Uri(tarpit.Url("file")), "Telegram", "a.pdf", CancellationToken.None));
        Assert.Equal(1000, opened.Length);
        await using var body = opened.Content;
        var started = DateTime.UtcNow;
        await Assert.ThrowsAsync<TimeoutException>(() => body.CopyToAsync(Stream.Null).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(0.8), TimeSpan.FromSeconds(5));
    }
}
