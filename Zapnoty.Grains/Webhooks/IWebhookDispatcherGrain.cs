using Orleans.Concurrency;

namespace Zapnoty.Grains.Webhooks;

/// <summary>
/// One per project: owns its webhook endpoints and delivers the outbox to them — signed, in
/// order per ticket, retried with backoff, every attempt logged. Pending work lives in
/// Postgres, so a dispatcher that is woken anywhere picks up where another left off.
/// </summary>
public interface IWebhookDispatcherGrain : IGrainWithGuidKey
{
    [ReadOnly] Task<IReadOnlyList<WebhookView>> List();
    /// <summary>The endpoint, or NotFound.</summary>
    [ReadOnly] Task<WebhookView> Get(Guid webhookId);
    Task<WebhookWithSecret> Create(Actor actor, string? url, IReadOnlyList<string>? events);
    Task<WebhookView> Change(Actor actor, Guid webhookId, WebhookChange change);
    Task Delete(Actor actor, Guid webhookId);
    /// <summary>A new secret; the previous one keeps signing alongside it for a while.</summary>
    Task<WebhookWithSecret> RotateSecret(Actor actor, Guid webhookId);
    /// <summary>Sends a delivered or failed delivery again, with the same webhook-id.</summary>
    Task Retry(Guid webhookId, Guid deliveryId);

    /// <summary>There may be deliveries due: start working on them. Cheap and idempotent.</summary>
    [OneWay] Task Nudge();
}
