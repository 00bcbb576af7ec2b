using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Zapnoty.Api.Access;
using Zapnoty.Api.Problems;
using Zapnoty.Grains;
using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Webhooks;

namespace Zapnoty.Api.Webhooks;

public sealed record WebhookDto(Guid Id, string Url, IReadOnlyList<string> Events, bool Enabled, DateTime? DisabledAt,
    string? DisabledReason, DateTime CreatedAt, DateTime? PreviousSecretValidUntil)
{
    public static WebhookDto From(WebhookView w) => new(w.Id, w.Url, w.Events, w.DisabledAt is null, w.DisabledAt?.UtcDateTime,
        w.DisabledReason, w.CreatedAt.UtcDateTime, w.PreviousSecretValidUntil?.UtcDateTime);
}

/// <summary>An endpoint with its signing secret, shown only on creation and rotation.</summary>
public sealed record WebhookSecretDto(Guid Id, string Url, IReadOnlyList<string> Events, string Secret, DateTime CreatedAt, DateTime? PreviousSecretValidUntil)
{
    public static WebhookSecretDto From(WebhookWithSecret w) => new(w.Webhook.Id, w.Webhook.Url, w.Webhook.Events, w.Secret,
        w.Webhook.CreatedAt.UtcDateTime, w.Webhook.PreviousSecretValidUntil?.UtcDateTime);
}

public sealed record AttemptDto(DateTime At, int? StatusCode, int DurationMs, string? Error, string? ResponseBody);

public sealed record DeliveryDto(Guid Id, Guid EventId, string EventType, Guid? TicketId, DeliveryStatus Status, int Attempts,
    DateTime? NextAttemptAt, string? LastError, DateTime CreatedAt, DateTime? FinishedAt, IReadOnlyList<AttemptDto> AttemptLog)
{
    public static DeliveryDto From(DeliveryView d) => new(d.Id, d.EventId, d.EventType, d.TicketId, d.Status, d.Attempts,
        d.NextAttemptAt?.UtcDateTime, d.LastError, d.CreatedAt.UtcDateTime, d.FinishedAt?.UtcDateTime,
        d.AttemptLog.Select(a => new AttemptDto(a.At.UtcDateTime, a.StatusCode, a.DurationMs, a.Error, a.ResponseBody)).ToList());
}

public sealed record CreateWebhookRequest(string? Url, IReadOnlyList<string>? Events);
public sealed record ChangeWebhookRequest(string? Url, IReadOnlyList<string>? Events, bool? Enabled);

public static class WebhooksApi
{
    public static IEndpointRouteBuilder MapWebhooksApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/projects/{projectId:guid}/webhooks").WithTags("Webhooks").WithProjectAccess().RequireRole(ProjectRole.Admin);
        api.MapGet("/", List);
        api.MapPost("/", Create).ProducesProblems(StatusCodes.Status409Conflict);
        api.MapGet("/{webhookId:guid}", Get);
        api.MapPatch("/{webhookId:guid}", Change);
        api.MapDelete("/{webhookId:guid}", Delete);
        api.MapPost("/{webhookId:guid}/rotate-secret", RotateSecret);
        api.MapGet("/{webhookId:guid}/deliveries", Deliveries);
        api.MapPost("/{webhookId:guid}/deliveries/{deliveryId:guid}/retry", Retry).ProducesProblems(StatusCodes.Status409Conflict);
        return app;
    }

    private static async Task<Ok<Page<WebhookDto>>> List(Guid projectId, IGrainFactory grains) =>
        TypedResults.Ok(new Page<WebhookDto>((await Dispatcher(grains, projectId).List()).Select(WebhookDto.From).ToList(), null));

    /// <summary>
    /// Subscribes a URL to ticket events (<c>["ticket.*"]</c> for all). The answer carries the
    /// signing secret (<c>whsec_...</c>); it is not shown again.
    /// </summary>
    private static async Task<Created<WebhookSecretDto>> Create(Guid projectId, CreateWebhookRequest body, Caller caller, IGrainFactory grains)
    {
        new Validation().Required(body.Url, "url").ThrowIfAny();
        var created = await Dispatcher(grains, projectId).Create(caller.Actor, body.Url, body.Events);
        return TypedResults.Created($"/v1/projects/{projectId}/webhooks/{created.Webhook.Id}", WebhookSecretDto.From(created));
    }

    private static async Task<Ok<WebhookDto>> Get(Guid projectId, Guid webhookId, IGrainFactory grains) =>
        TypedResults.Ok(WebhookDto.From(await Dispatcher(grains, projectId).Get(webhookId)));

    /// <summary>Changes the url or events, or disables (<c>enabled: false</c>) or re-enables the endpoint.</summary>
    private static async Task<Ok<WebhookDto>> Change(Guid projectId, Guid webhookId, ChangeWebhookRequest body, Caller caller, IGrainFactory grains) =>
        TypedResults.Ok(WebhookDto.From(await Dispatcher(grains, projectId).Change(caller.Actor, webhookId, new WebhookChange(body.Url, body.Events, body.Enabled))));

    /// <summary>Deletes the endpoint; its pending deliveries are failed.</summary>
    private static async Task<NoContent> Delete(Guid projectId, Guid webhookId, Caller caller, IGrainFactory grains)
    {
        await Dispatcher(grains, projectId).Delete(caller.Actor, webhookId);
        return TypedResults.NoContent();
    }

    /// <summary>A new secret. For 24 hours both are used: <c>webhook-signature</c> carries two signatures.</summary>
    private static async Task<Ok<WebhookSecretDto>> RotateSecret(Guid projectId, Guid webhookId, Caller caller, IGrainFactory grains) =>
        TypedResults.Ok(WebhookSecretDto.From(await Dispatcher(grains, projectId).RotateSecret(caller.Actor, webhookId)));

    /// <summary>The delivery log, newest first: every attempt with status code, duration, error and the first 1 KB of the answer.</summary>
    private static async Task<Ok<Page<DeliveryDto>>> Deliveries(Guid projectId, Guid webhookId, string? status, int? limit, string? cursor,
        IGrainFactory grains, WebhookDeliveryLog deliveries, CancellationToken cancellationToken)
    {
        var validation = new Validation();
        var take = Paging.Limit(limit, validation);
        DeliveryStatus? only = null;
        if (status is not null)
        {
            if (WireNames.TryParseWire<DeliveryStatus>(status, out var s)) only = s;
            else validation.Add("status", $"'{status}' is not one of: {string.Join(", ", WireNames.All<DeliveryStatus>())}.");
        }
        (DateTimeOffset, Guid)? before = null;
        if (Paging.Decode(cursor, validation) is { } position)
        {
            var parts = position.Split('|');
            if (parts.Length == 2 && long.TryParse(parts[0], out var ticks) && Guid.TryParse(parts[1], out var id))
                before = (new DateTimeOffset(ticks, TimeSpan.Zero), id);
            else validation.Add("cursor", "The cursor is not one this API handed out.");
        }
        validation.ThrowIfAny();
        await Dispatcher(grains, projectId).Get(webhookId);

        var rows = await deliveries.Find(projectId, webhookId, only, before, take + 1, cancellationToken);
        var items = rows.Take(take).ToList();
        var next = rows.Count > take ? Paging.Encode($"{items[^1].CreatedAt.UtcTicks}|{items[^1].Id}") : null;
        return TypedResults.Ok(new Page<DeliveryDto>(items.Select(DeliveryDto.From).ToList(), next));
    }

    /// <summary>Sends a delivered or failed delivery again, from the start of the retry schedule, with the same webhook-id.</summary>
    private static async Task<Accepted> Retry(Guid projectId, Guid webhookId, Guid deliveryId, IGrainFactory grains)
    {
        await Dispatcher(grains, projectId).Retry(webhookId, deliveryId);
        return TypedResults.Accepted((string?)null);
    }

    private static IWebhookDispatcherGrain Dispatcher(IGrainFactory grains, Guid projectId) => grains.GetGrain<IWebhookDispatcherGrain>(projectId);
}
