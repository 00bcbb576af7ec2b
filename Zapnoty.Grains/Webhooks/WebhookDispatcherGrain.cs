using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Zapnoty.Grains.Audit;
using Zapnoty.Grains.Storage;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Webhooks;

public sealed class WebhookDispatcherGrain(
    WebhookStore store,
    DeliveryQueue queue,
    WebhookSender sender,
    AttemptLog attempts,
    NpgsqlDataSource dataSource,
    IOptions<WebhookOptions> options,
    TimeProvider clock,
    Observability.ZapnotyMetrics metrics,
    ILogger<WebhookDispatcherGrain> log) : Grain, IWebhookDispatcherGrain
{
    private List<WebhookEndpoint> _endpoints = [];
    // Each endpoint has at most one worker; a nudge while it works makes it look again.
    private readonly Dictionary<Guid, EndpointWorker> _workers = [];
    // Per endpoint, when its last worker saw the next delivery fall due (a retry, mostly).
    private readonly Dictionary<Guid, DateTimeOffset> _nextDue = [];
    private IGrainTimer? _wake;

    private Guid ProjectId => this.GetPrimaryKey();
    private WebhookOptions Settings => options.Value;

    public override async Task OnActivateAsync(CancellationToken cancellationToken) =>
        _endpoints = await store.LoadEndpoints(ProjectId, cancellationToken);

    public Task<IReadOnlyList<WebhookView>> List() => Task.FromResult<IReadOnlyList<WebhookView>>(_endpoints.Select(e => e.View).ToList());

    public Task<WebhookView> Get(Guid webhookId) => Task.FromResult(Endpoint(webhookId).View);

    public async Task<WebhookWithSecret> Create(Actor actor, string? url, IReadOnlyList<string>? events)
    {
        var target = await WebhookTargets.Validate(url, Settings.AllowPrivateTargets, CancellationToken.None);
        var subscribed = ValidEvents(events ?? [TicketEventTypes.All]);
        if (_endpoints.Count >= WebhookLimits.MaxEndpoints)
            throw DomainException.Conflict($"A project can have at most {WebhookLimits.MaxEndpoints} webhook endpoints.");

        var now = clock.StoredNow();
        var endpoint = new WebhookEndpoint(new WebhookView(Guid.NewGuid(), target.ToString(), subscribed, now, null, null, null), WebhookSigning.NewSecret(), null);
        await store.Insert(ProjectId, endpoint, Audit(now, actor, AuditActions.WebhookCreated, endpoint, new { url = endpoint.View.Url, events = subscribed }),
            CancellationToken.None);
        _endpoints.Add(endpoint);
        log.LogInformation("Webhook {WebhookId} of project {ProjectId} created for {Url}", endpoint.View.Id, ProjectId, endpoint.View.Url);
        return new WebhookWithSecret(endpoint.View, endpoint.Secret);
    }

    public async Task<WebhookView> Change(Actor actor, Guid webhookId, WebhookChange change)
    {
        var before = Endpoint(webhookId);
        var view = before.View;
        if (change.Url is not null)
            view = view with { Url = (await WebhookTargets.Validate(change.Url, Settings.AllowPrivateTargets, CancellationToken.None)).ToString() };
        if (change.Events is not null)
            view = view with { Events = ValidEvents(change.Events) };

        var now = clock.StoredNow();
        if (change.Enabled == false && before.Enabled)
        {
            var disabled = before with { View = view with { DisabledAt = now, DisabledReason = "Disabled by a member of the project." } };
            var failed = await store.Disable(ProjectId, disabled, Audit(now, actor, AuditActions.WebhookDisabled, before, new { reason = disabled.View.DisabledReason }),
                CancellationToken.None);
            Replace(disabled);
            await FailStrandedReplies(failed, disabled.View.DisabledReason!);
            return disabled.View;
        }
        if (change.Enabled == true) view = view with { DisabledAt = null, DisabledReason = null };
        if (view == before.View) return view;

        var changed = before with { View = view };
        await store.Save(ProjectId, changed, Audit(now, actor, AuditActions.WebhookChanged, before,
            new { url = view.Url, events = view.Events, enabled = changed.Enabled }), CancellationToken.None);
        Replace(changed);
        return view;
    }

    public async Task Delete(Actor actor, Guid webhookId)
    {
        var endpoint = Endpoint(webhookId);
        var failed = await store.Delete(ProjectId, webhookId, Audit(clock.StoredNow(), actor, AuditActions.WebhookDeleted, endpoint, new { url = endpoint.View.Url }),
            CancellationToken.None);
        _endpoints.Remove(endpoint);
        await FailStrandedReplies(failed, "The webhook endpoint was deleted.");
    }

    public async Task<WebhookWithSecret> RotateSecret(Actor actor, Guid webhookId)
    {
        var before = Endpoint(webhookId);
        var now = clock.StoredNow();
        var rotated = new WebhookEndpoint(before.View with { PreviousSecretValidUntil = now + Settings.PreviousSecretLifetime },
            WebhookSigning.NewSecret(), before.Secret);
        await store.Save(ProjectId, rotated, Audit(now, actor, AuditActions.WebhookSecretRotated, before,
            new { previous_secret_valid_until = rotated.View.PreviousSecretValidUntil }), CancellationToken.None);
        Replace(rotated);
        return new WebhookWithSecret(rotated.View, rotated.Secret);
    }

    public async Task Retry(Guid webhookId, Guid deliveryId)
    {
        var endpoint = Endpoint(webhookId);
        if (!endpoint.Enabled)
            throw DomainException.Conflict("The endpoint is disabled; enable it (PATCH with enabled: true) before retrying.");
        if (!await store.Retry(webhookId, deliveryId, clock.StoredNow(), CancellationToken.None))
            throw await store.DeliveryExists(webhookId, deliveryId, CancellationToken.None)
                ? DomainException.Conflict("The delivery is still pending; it is retried on its own.")
                : DomainException.NotFound($"Delivery {deliveryId} does not exist for this endpoint.");
        StartWork();
    }

    public Task Nudge()
    {
        StartWork();
        return Task.CompletedTask;
    }

    private void StartWork()
    {
        foreach (var endpoint in _endpoints.Where(e => e.Enabled))
        {
            var webhookId = endpoint.View.Id;
            if (_workers.TryGetValue(webhookId, out var working))
            {
                working.Nudge();
                continue;
            }
            var worker = new EndpointWorker(ProjectId, webhookId, () => _endpoints.FirstOrDefault(e => e.View.Id == webhookId),
                new DispatchServices(queue, sender, attempts, Settings, clock), records => Settled(webhookId, records));
            _workers.Add(webhookId, worker);
            _nextDue.Remove(webhookId);
            _ = worker.Run(Retire);
        }
    }

    /// <summary>A worker has stopped; called synchronously with its decision, so no nudge falls between.</summary>
    private void Retire(EndpointWorker worker, Exception? failure)
    {
        _workers.Remove(worker.WebhookId);
        if (failure is not null)
            log.LogError(failure, "Webhook {WebhookId} of project {ProjectId}: delivery stopped; the sweeper will resume it", worker.WebhookId, ProjectId);
        else if (worker.NextDue is { } next)
            _nextDue[worker.WebhookId] = next;
        if (_workers.Count == 0) ScheduleWake();
    }

    /// <summary>What follows a committed attempt: the ticket learns its reply arrived; a 410 disables; a final failure strands replies.</summary>
    private async Task Settled(Guid webhookId, IReadOnlyList<AttemptRecord> records)
    {
        foreach (var record in records)
        {
            var delivery = record.Delivery;
            switch (record.Status)
            {
                case DeliveryStatus.Delivered:
                    metrics.WebhookDelivery("delivered");
                    if (delivery is { MessageId: { } reply, TicketId: { } ticketId })
                        await GrainFactory.GetGrain<ITicketGrain>(ticketId).ReplyDeliveryStored(reply);
                    break;
                case DeliveryStatus.Pending:
                    metrics.WebhookDelivery("retry");
                    break;
                case DeliveryStatus.Failed when record.Outcome.StatusCode == 410:
                    metrics.WebhookDelivery("gone");
                    if (_endpoints.FirstOrDefault(e => e.View.Id == webhookId) is { } endpoint) await DisableGone(endpoint, delivery.EventId);
                    break;
                case DeliveryStatus.Failed:
                    metrics.WebhookDelivery("failed");
                    log.LogWarning("Webhook delivery {DeliveryId} of webhook {WebhookId} failed for good after {Attempts} attempts: {Error}",
                        delivery.Id, webhookId, record.Attempts, record.Outcome.Failure);
                    await FailStrandedReplies([delivery.EventId], $"The webhook endpoint did not take it after {record.Attempts} attempts: {record.Outcome.Failure}");
                    break;
            }
        }
    }

    /// <summary>410 Gone means the receiver is gone for good: stop sending until someone enables it again.</summary>
    private async Task DisableGone(WebhookEndpoint endpoint, Guid goneEventId)
    {
        if (!_endpoints.Contains(endpoint) || !endpoint.Enabled) return;
        var now = clock.StoredNow();
        var reason = $"The endpoint answered 410 Gone at {now.UtcDateTime:u}; enable it again once it receives events.";
        var disabled = endpoint with { View = endpoint.View with { DisabledAt = now, DisabledReason = reason } };
        var failed = await store.Disable(ProjectId, disabled, Audit(now, Actor.System, AuditActions.WebhookDisabled, endpoint, new { reason }),
            CancellationToken.None);
        Replace(disabled);
        log.LogWarning("Webhook {WebhookId} of project {ProjectId} disabled: {Url} answered 410", endpoint.View.Id, ProjectId, endpoint.View.Url);
        await FailStrandedReplies([.. failed, goneEventId], reason);
    }

    /// <summary>A website reply whose every delivery failed shows as failed on the ticket, with why.</summary>
    private async Task FailStrandedReplies(Guid[] eventIds, string error)
    {
        if (eventIds.Length == 0) return;
        foreach (var (ticketId, messageId) in await dataSource.StrandedReplies(eventIds, CancellationToken.None))
            await GrainFactory.GetGrain<ITicketGrain>(ticketId).ReplyUndelivered(messageId, error);
    }

    /// <summary>
    /// Retries that fall due soon wake this grain by timer, at the earliest time the workers saw;
    /// later ones and anything a crashed silo left behind are found by the sweeper every silo runs.
    /// </summary>
    private void ScheduleWake()
    {
        var live = _endpoints.Where(e => e.Enabled).Select(e => e.View.Id).ToHashSet();
        var next = _nextDue.Where(d => live.Contains(d.Key)).Select(d => (DateTimeOffset?)d.Value).Min();
        var wait = next - clock.GetUtcNow();
        if (wait is null || wait > Settings.SweepPeriod)
        {
            _wake?.Dispose();
            _wake = null;
            return;
        }
        var dueTime = wait.Value < TimeSpan.Zero ? TimeSpan.Zero : wait.Value;
        if (_wake is null)
            _wake = this.RegisterGrainTimer(_ =>
            {
                StartWork();
                return Task.CompletedTask;
            }, new GrainTimerCreationOptions { DueTime = dueTime, Period = Timeout.InfiniteTimeSpan, Interleave = true, KeepAlive = true });
        else
            _wake.Change(dueTime, Timeout.InfiniteTimeSpan);
    }

    private WebhookEndpoint Endpoint(Guid webhookId) =>
        _endpoints.FirstOrDefault(e => e.View.Id == webhookId)
        ?? throw DomainException.NotFound($"Webhook {webhookId} does not exist in this project.");

    private void Replace(WebhookEndpoint endpoint) =>
        _endpoints[_endpoints.FindIndex(e => e.View.Id == endpoint.View.Id)] = endpoint;

    private static IReadOnlyList<string> ValidEvents(IReadOnlyList<string> events)
    {
        if (events.Count == 0)
            throw DomainException.Invalid("events", "Subscribe to at least one event, or to \"ticket.*\" for all of them.");
        string[] known = [.. TicketEventTypes.Every, .. Billing.BillingEventTypes.Every];
        if (events.FirstOrDefault(e => e != TicketEventTypes.All && !known.Contains(e)) is { } unknown)
            throw DomainException.Invalid("events", $"'{unknown}' is not an event; use \"ticket.*\" or any of: {string.Join(", ", known)}.");
        // "ticket.*" covers the ticket events; billing events are named one by one.
        return events.Contains(TicketEventTypes.All)
            ? [TicketEventTypes.All, .. events.Where(e => !e.StartsWith("ticket.", StringComparison.Ordinal)).Distinct()]
            : events.Distinct().ToList();
    }

    private AuditEntry Audit(DateTimeOffset at, Actor actor, string action, WebhookEndpoint endpoint, object details) =>
        new(at, actor, action, endpoint.View.Id.ToString(), details);
}
