using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Stripe;
using Zapnoty.Api.Problems;
using Zapnoty.Api.RateLimiting;
using Zapnoty.Grains.Billing.Payments;

namespace Zapnoty.Api.Billing;

/// <summary>
/// Where the payment providers report payments (<c>POST /v1/payments/{provider}/webhook</c>).
/// Public (the providers carry no bearer): a Stripe notification is believed only with a valid
/// signature, a YooKassa one only as far as the payment read back from YooKassa says. Handled
/// and ignored notifications are answered 200, so the provider stops re-sending them.
/// </summary>
public static class PaymentWebhooksApi
{
    public const long MaxNotificationBytes = 256 * 1024;

    public static IEndpointRouteBuilder MapPaymentWebhooks(this IEndpointRouteBuilder app)
    {
        // Larger than the API's 64 KB: a Stripe event embeds whole objects, and a refused notification is re-sent for days.
        app.MapPost("/v1/payments/stripe/webhook", Stripe).WithTags("Billing").AllowAnonymous()
            .WithMetadata(new RequestSizeLimitAttribute(MaxNotificationBytes), new PaymentWebhookRateLimit("stripe"))
            .ProducesProblems(StatusCodes.Status404NotFound);
        app.MapPost("/v1/payments/yookassa/webhook", YooKassa).WithTags("Billing").AllowAnonymous()
            .WithMetadata(new RequestSizeLimitAttribute(MaxNotificationBytes), new PaymentWebhookRateLimit("yookassa"))
            .ProducesProblems(StatusCodes.Status404NotFound);
        return app;
    }

    /// <summary>Called by Stripe (checkout completed or expired, charge refunded or disputed). 400 when the signature is wrong; 404 when Stripe is not configured.</summary>
    private static async Task<Results<Ok, ProblemHttpResult>> Stripe(HttpRequest request, StripePayments stripe, PaymentNotifications notifications,
        ILogger<PaymentNotifications> log, CancellationToken cancellationToken)
    {
        if (!stripe.Enabled) return NotConfigured("Stripe");
        var body = await ReadBody(request, cancellationToken);
        PaymentNotice? notice;
        try
        {
            notice = stripe.Verify(body, request.Headers["Stripe-Signature"].ToString());
        }
        catch (Exception e) when (e is StripeException or JsonException or ArgumentException)
        {
            log.LogWarning("A Stripe notification with a missing or wrong signature was refused");
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: Titles.For(400),
                detail: "The Stripe-Signature header does not match this body and the endpoint's signing secret (or it is too old).");
        }
        if (notice is not null) await notifications.Apply(notice, cancellationToken);
        return TypedResults.Ok();
    }

    /// <summary>
    /// Called by YooKassa (<c>payment.succeeded</c>, <c>payment.canceled</c>, <c>refund.succeeded</c>).
    /// Only the payment's id is taken from the body; what happened is read back from YooKassa. 400 for
    /// a body that is no notification, 503 when YooKassa cannot be asked (it re-sends later).
    /// </summary>
    private static async Task<Results<Ok, ProblemHttpResult>> YooKassa(HttpRequest request, YooKassaPayments yooKassa, PaymentStore payments,
        PaymentNotifications notifications, ILogger<PaymentNotifications> log, CancellationToken cancellationToken)
    {
        if (!yooKassa.Enabled) return NotConfigured("YooKassa");
        if (YooKassaNotification.PaymentIdOf(await ReadBody(request, cancellationToken)) is not { } providerPaymentId)
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: Titles.For(400),
                detail: "Expected a YooKassa notification: {\"type\": \"notification\", \"event\": ..., \"object\": {\"id\" or \"payment_id\": ...}}.");

        // Ours first: a notification naming no checkout of ours costs no call to YooKassa.
        var known = await payments.Find(PaymentProviderNames.YooKassa, providerPaymentId, cancellationToken);
        if (known is null)
        {
            log.LogWarning("A YooKassa notification names no payment of ours; ignored");
            return TypedResults.Ok();
        }
        YooKassaPayment? payment;
        try
        {
            payment = await yooKassa.Read(providerPaymentId, cancellationToken);
        }
        catch (PaymentProviderException e)
        {
            log.LogWarning(e, "Payment {PaymentId} could not be read back from YooKassa; the notification will come again", known.Id);
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: Titles.For(503),
                detail: "The payment could not be read back from YooKassa just now.");
        }
        if (payment?.Notice() is { } notice) await notifications.Apply(notice, cancellationToken);
        return TypedResults.Ok();
    }

    private static ProblemHttpResult NotConfigured(string provider) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: Titles.For(404), detail: $"{provider} payments are not configured on this server.");

    private static async Task<string> ReadBody(HttpRequest request, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        return await reader.ReadToEndAsync(cancellationToken);
    }
}

/// <summary>The one thing taken from a YooKassa notification: the payment it is about.</summary>
public static class YooKassaNotification
{
    /// <summary>
    /// <c>object.id</c> of a <c>payment.*</c> event, <c>object.payment_id</c> of a <c>refund.*</c> one;
    /// null for anything else. Ids are short and plain, since they go into a URL path.
    /// </summary>
    public static string? PaymentIdOf(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("event", out var kind) || kind.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("object", out var data) || data.ValueKind != JsonValueKind.Object)
                return null;
            var field = kind.GetString()!.StartsWith("refund.", StringComparison.Ordinal) ? "payment_id" : "id";
            return data.TryGetProperty(field, out var id) && id.ValueKind == JsonValueKind.String && id.GetString() is { Length: > 0 and <= 64 } value
                && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
                ? value
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
