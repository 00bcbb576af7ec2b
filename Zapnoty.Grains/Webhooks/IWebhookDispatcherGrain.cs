using Orleans.Concurrency;

namespace Zapnoty.Grains.Webhooks;

/// <summary>
/// One per project: owns its webhook endpoints and delivers the outbox to them — signed, in
/// order per ticket, retried with backoff, every attempt logged. Pending work lives in
/// Postgres, so a dispatcher that is woken anywhere picks up where another left off.
/// </summary>
[Alias("Zapnoty.Grains.Webhooks.IWebhookDispatcherGrain")]
public interface IWebhookDispatcherGrain : IGrainWithGuidKey
{
    [Alias("5156E199")]
    [ReadOnly] Task<IReadOnlyList<WebhookView>> List();
    /// <summary>The endpoint, or NotFound.</summary>
    [Alias("F21F1683")]
    [ReadOnly] Task<WebhookView> Get(Guid webhookId);
    [Alias("274334B2")]
    Task<WebhookWithSecret> Create(Actor actor, string? url, IReadOnlyList<string>? events);
    [Alias("C9B7351F")]
    Task<WebhookView> Change(Actor actor, Guid webhookId, WebhookChange change);
    [Alias("78DC9E1A")]
    Task Delete(Actor actor, Guid webhookId);
    /// <summary>A new secret; the previous one keeps signing alongside it for a while.</summary>
    [Alias("82A9273A")]
    Task<WebhookWithSecret> RotateSecret(Actor actor, Guid webhookId);
    /// <summary>Sends a delivered or failed delivery again, with the same webhook-id.</summary>
    [Alias("31CDE7AC")]
    Task Retry(Guid webhookId, Guid deliveryId);

    /// <summary>There may be deliveries due: start working on them. Cheap and idempotent.</summary>
    [Alias("22245677")]
    [OneWay] Task Nudge();
}
