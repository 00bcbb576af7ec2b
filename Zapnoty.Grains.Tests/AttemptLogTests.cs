using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Zapnoty.Grains.Tests.Infrastructure;
using Zapnoty.Grains.Webhooks;
using static Zapnoty.Grains.Tests.Infrastructure.Poll;

namespace Zapnoty.Grains.Tests;

/// <summary>The silo-wide attempt log commits many dispatchers' attempts together; one bad record must not sink the rest.</summary>
[Collection(ClusterCollection.Name)]
public sealed class AttemptLogTests(ClusterFixture cluster) : IAsyncLifetime
{
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.Start();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task A_record_that_cannot_be_written_fails_only_its_own_caller()
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
}
