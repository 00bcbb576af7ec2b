namespace Zapnoty.Grains.Webhooks;

/// <summary>The event types a webhook endpoint can subscribe to; <c>ticket.*</c> means all of them.</summary>
public static class TicketEventTypes
{
    public const string Created = "ticket.created";
    public const string Replied = "ticket.replied";
    public const string CustomerReplied = "ticket.customer_replied";
    public const string StatusChanged = "ticket.status_changed";
    public const string Assigned = "ticket.assigned";
    public const string PriorityChanged = "ticket.priority_changed";
    public const string SlaBreached = "ticket.sla_breached";
    /// <summary>An <c>sla_warning</c> rule fired: a target is its minutes from breach (<c>sla_warning: { target, due_at, minutes_before }</c>).</summary>
    public const string SlaWarning = "ticket.sla_warning";
    public const string TagsChanged = "ticket.tags_changed";
    public const string Merged = "ticket.merged";
    /// <summary>A team member wrote an internal note; its <c>message</c> has <c>internal: true</c> and never reached the customer.</summary>
    public const string NoteAdded = "ticket.note_added";
    /// <summary>A website ticket closed with the CSAT survey on: the team's site asks its customer (see <c>survey</c>).</summary>
    public const string CsatRequested = "ticket.csat_requested";
    /// <summary>The customer rated the ticket, or added a comment to their rating: the ticket's <c>csat</c>.</summary>
    public const string CsatReceived = "ticket.csat_received";
    public const string All = "ticket.*";

    public static readonly IReadOnlyList<string> Every =
        [Created, Replied, CustomerReplied, StatusChanged, Assigned, PriorityChanged, SlaBreached,
            TagsChanged, Merged, NoteAdded, SlaWarning,
            CsatRequested, CsatReceived];
}

[GenerateSerializer]
[Alias("Zapnoty.Grains.Webhooks.DeliveryStatus")]
public enum DeliveryStatus { Pending, Delivered, Failed }

[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Webhooks.WebhookView")]
public sealed record WebhookView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Url,
    [property: Id(2)] IReadOnlyList<string> Events,
    [property: Id(3)] DateTimeOffset CreatedAt,
    [property: Id(4)] DateTimeOffset? DisabledAt,
    [property: Id(5)] string? DisabledReason,
    [property: Id(6)] DateTimeOffset? PreviousSecretValidUntil);

/// <summary>A new endpoint or a new secret: <see cref="Secret"/> is shown this once.</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Webhooks.WebhookWithSecret")]
public sealed record WebhookWithSecret([property: Id(0)] WebhookView Webhook, [property: Id(1)] string Secret);

/// <summary>A partial update: null leaves a field as it is.</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Webhooks.WebhookChange")]
public sealed record WebhookChange(
    [property: Id(0)] string? Url,
    [property: Id(1)] IReadOnlyList<string>? Events,
    [property: Id(2)] bool? Enabled);

/// <summary>Configuration section <c>Zapnoty:Webhooks</c>.</summary>
public sealed class WebhookOptions
{
    /// <summary>Lets endpoints point at loopback, link-local and private networks (tests, on-premises setups).</summary>
    public bool AllowPrivateTargets { get; set; }

    /// <summary>The whole exchange (connect, headers and the kilobyte of body kept) must fit in this; API.md promises 15 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Requests out at once from one silo, over all endpoints: slow receivers cannot take every socket.</summary>
    public int MaxInFlightPerSilo { get; set; } = 256;

    /// <summary>Waits before each retry; after the last one a delivery has finally failed. Empty: the default schedule.</summary>
    public TimeSpan[]? RetryDelays { get; set; }

    /// <summary>How often each silo looks for deliveries that are due and nobody is working on.</summary>
    public TimeSpan SweepPeriod { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Deliveries in flight at once per endpoint (always of different tickets).</summary>
    public int ConcurrencyPerEndpoint { get; set; } = 4;

    /// <summary>How long the previous secret keeps signing after a rotation.</summary>
    public TimeSpan PreviousSecretLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>About 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h: a day and a half of trying.</summary>
    public static readonly TimeSpan[] DefaultRetryDelays =
    [
        TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2),
        TimeSpan.FromHours(5), TimeSpan.FromHours(10), TimeSpan.FromHours(10),
    ];

    public IReadOnlyList<TimeSpan> Schedule => RetryDelays is { Length: > 0 } delays ? delays : DefaultRetryDelays;
}

public static class WebhookLimits
{
    public const int MaxEndpoints = 20;
    public const int MaxUrlLength = 2000;
    public const int ResponseBytesKept = 1024;
}
