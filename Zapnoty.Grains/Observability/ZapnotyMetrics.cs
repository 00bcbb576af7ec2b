using System.Diagnostics.Metrics;

namespace Zapnoty.Grains.Observability;

/// <summary>
/// The helpdesk's own counters on the <c>Zapnoty</c> meter, recorded where each event happens
/// (after its transaction commits) and exported with the platform's metrics.
/// </summary>
public sealed class ZapnotyMetrics
{
    public const string MeterName = "Zapnoty";

    private readonly Counter<long> _ticketsCreated;
    private readonly Counter<long> _replies;
    private readonly Counter<long> _webhookDeliveries;
    private readonly Counter<long> _slaBreaches;
    private readonly Counter<long> _channelMessages;
    private readonly Counter<long> _botLookups;

    // From the host's IMeterFactory, so each silo's meter belongs to that silo's container.
    public ZapnotyMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _ticketsCreated = meter.CreateCounter<long>("zapnoty.tickets.created", "{ticket}", "Tickets created.");
        _replies = meter.CreateCounter<long>("zapnoty.replies", "{reply}", "Agent replies, by the ticket's channel.");
        _webhookDeliveries = meter.CreateCounter<long>("zapnoty.webhook.deliveries", "{attempt}",
            "Webhook delivery attempts, by outcome: delivered, retry (will try again), failed (gave up), gone (410).");
        _slaBreaches = meter.CreateCounter<long>("zapnoty.sla.breaches", "{breach}", "SLA breaches, by target.");
        _channelMessages = meter.CreateCounter<long>("zapnoty.channel.messages", "{message}", "Messenger send attempts, by channel and outcome: sent, rate_limited, blocked, retry, failed.");
        _botLookups = meter.CreateCounter<long>("zapnoty.bot.lookups", "{query}", "Bots looked up in the database for their webhook, by outcome: found, unknown.");
    }

    public void TicketsCreated(int count) => _ticketsCreated.Add(count);

    public void Replied(Tickets.Channel channel) => _replies.Add(1, new KeyValuePair<string, object?>("channel", Tag(channel)));

    public void WebhookDelivery(string outcome) => _webhookDeliveries.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void SlaBreached(string target) => _slaBreaches.Add(1, new KeyValuePair<string, object?>("target", target));

    public void ChannelMessage(Tickets.Channel channel, string outcome) =>
        _channelMessages.Add(1, new KeyValuePair<string, object?>("channel", Tag(channel)), new KeyValuePair<string, object?>("outcome", outcome));

    public void BotLookup(bool found) => _botLookups.Add(1, new KeyValuePair<string, object?>("outcome", found ? "found" : "unknown"));

    private static string Tag<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();
}
