using Microsoft.Extensions.Options;
using Stripe;
using Stripe.Checkout;

namespace Zapnoty.Grains.Billing.Payments;

/// <summary>
/// Stripe Checkout through the official Stripe.net client, at <c>Zapnoty:Payments:Stripe:ApiBaseUrl</c>
/// (tests point it at a fake). Notifications are trusted only with a valid <c>Stripe-Signature</c>
/// made with the endpoint's secret.
/// </summary>
public sealed class StripePayments(IHttpClientFactory httpClients, IOptions<PaymentOptions> options) : IPaymentProvider
{
    public const string HttpClientName = "stripe";

    /// <summary>How old a signed notification may be (Stripe's default): a replay of an old capture is refused.</summary>
    public const long SignatureTolerance = 300;

    private StripeOptions Options => options.Value.Stripe;

    public string Name => PaymentProviderNames.Stripe;
    public bool Enabled => Options.Enabled;
    public IReadOnlyList<string> Currencies => PaymentProviders.List(Options.Currencies);

    public async Task<StartedCheckout> StartCheckout(CheckoutRequest request, CancellationToken cancellationToken)
    {
        // One deadline for the whole call, the client's own network retry included.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.Value.RequestTimeout);
        var client = new StripeClient(Options.SecretKey, httpClient: new SystemNetHttpClient(httpClients.CreateClient(HttpClientName), maxNetworkRetries: 1),
            apiBase: Options.ApiBaseUrl.TrimEnd('/'));
        try
        {
            var session = await new SessionService(client).CreateAsync(new SessionCreateOptions
            {
                Mode = "payment",
                ClientReferenceId = request.PaymentId.ToString(),
                SuccessUrl = request.ReturnUrl,
                CancelUrl = request.ReturnUrl,
                LineItems =
                [
                    new SessionLineItemOptions
                    {
                        Quantity = 1,
                        PriceData = new SessionLineItemPriceDataOptions
                        {
                            Currency = request.Currency.ToLowerInvariant(),
                            UnitAmount = request.AmountMinor,
                            ProductData = new SessionLineItemPriceDataProductDataOptions { Name = request.Description },
                        },
                    },
                ],
                Metadata = request.Metadata,
                PaymentIntentData = new SessionPaymentIntentDataOptions { Metadata = request.Metadata },
            }, new RequestOptions { IdempotencyKey = request.PaymentId.ToString() }, deadline.Token);
            if (string.IsNullOrEmpty(session.Id) || !PaymentUrls.IsHttp(session.Url ?? ""))
                throw new PaymentProviderException("Stripe answered without a checkout session id or URL.");
            return new StartedCheckout(session.Id, session.Url!);
        }
        catch (StripeException e)
        {
            throw new PaymentProviderException($"Stripe refused the checkout ({e.StripeError?.Type ?? "error"}: {e.StripeError?.Message ?? e.Message}).", e);
        }
        catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new PaymentProviderException("Stripe could not be reached in time.", e);
        }
    }

    /// <summary>
    /// The verified notification of a signed event body, or null for an event we do not act on.
    /// Throws <see cref="StripeException"/> when the signature (or its age) is wrong.
    /// </summary>
    public PaymentNotice? Verify(string json, string signatureHeader)
    {
        // The event's API version follows the endpoint's setting at Stripe; the fields read here
        // are the same in every version, so a mismatch must not turn into endless 400s.
        var stripeEvent = EventUtility.ConstructEvent(json, signatureHeader, Options.WebhookSecret, SignatureTolerance, throwOnApiVersionMismatch: false);
        return stripeEvent.Data?.Object switch
        {
            Session s when stripeEvent.Type is EventTypes.CheckoutSessionCompleted or EventTypes.CheckoutSessionAsyncPaymentSucceeded
                && s.PaymentStatus == "paid" =>
                new PaymentNotice(Name, PaymentEvent.Paid, s.Id, s.PaymentIntentId, s.AmountTotal ?? 0, s.Currency,
                    s.Metadata is { } m && m.TryGetValue(PaymentNotice.PaymentIdKey, out var id) && Guid.TryParse(id, out var paymentId) ? paymentId : null),
            Session s when stripeEvent.Type is EventTypes.CheckoutSessionExpired or EventTypes.CheckoutSessionAsyncPaymentFailed =>
                new PaymentNotice(Name, PaymentEvent.Canceled, s.Id, null, 0, s.Currency, null),
            Charge c when stripeEvent.Type == EventTypes.ChargeRefunded && c.PaymentIntentId is not null =>
                new PaymentNotice(Name, PaymentEvent.Refunded, null, c.PaymentIntentId, c.Amount, c.Currency, null, c.AmountRefunded),
            Dispute d when stripeEvent.Type == EventTypes.ChargeDisputeCreated && d.PaymentIntentId is not null =>
                new PaymentNotice(Name, PaymentEvent.Disputed, null, d.PaymentIntentId, d.Amount, d.Currency, null),
            _ => null,
        };
    }
}
