using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace Zapnoty.Grains.Billing.Payments;

public sealed record YooKassaAmount(string Value, string Currency)
{
    public static YooKassaAmount Of(long minor, string currency) => new(BillingOptions.Major(minor), currency.ToUpperInvariant());

    /// <summary>"790.00" → 79000; null when the value is not a decimal amount.</summary>
    public long? MinorUnits() => decimal.TryParse(Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var major)
        && decimal.Round(major, 2) == major ? (long)(major * 100) : null;
}

public sealed record YooKassaConfirmation(string Type, string? ReturnUrl = null, string? ConfirmationUrl = null);

/// <summary>A payment as YooKassa's API v3 describes it (the fields we use).</summary>
public sealed record YooKassaPayment(string Id, string Status, YooKassaAmount Amount, YooKassaConfirmation? Confirmation,
    Dictionary<string, string>? Metadata, YooKassaAmount? RefundedAmount, bool Paid)
{
    public const string Succeeded = "succeeded";
    public const string Canceled = "canceled";

    /// <summary>What the payment says now, as a notice: paid (with any refund so far), cancelled, or null while it is still open.</summary>
    public PaymentNotice? Notice() => Status switch
    {
        Succeeded when Amount.MinorUnits() is { } amount => new PaymentNotice(PaymentProviderNames.YooKassa, PaymentEvent.Paid, Id, null, amount, Amount.Currency,
            Metadata is { } m && m.TryGetValue(PaymentNotice.PaymentIdKey, out var id) && Guid.TryParse(id, out var paymentId) ? paymentId : null,
            RefundedAmount?.MinorUnits() ?? 0),
        Canceled => new PaymentNotice(PaymentProviderNames.YooKassa, PaymentEvent.Canceled, Id, null, 0, Amount.Currency, null),
        _ => null,
    };
}

/// <summary>
/// YooKassa's HTTP API v3 (no official .NET package): Basic auth <c>shopId:secretKey</c>, an
/// <c>Idempotence-Key</c> on every create, <c>POST payments</c> with a redirect confirmation and
/// <c>GET payments/{id}</c> to read a payment back. Notifications carry no signature, so nothing
/// in one is believed: the payment it names is read back from here.
/// </summary>
public sealed class YooKassaPayments(HttpClient http, IOptions<PaymentOptions> options) : IPaymentProvider
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private YooKassaOptions Options => options.Value.YooKassa;

    public string Name => PaymentProviderNames.YooKassa;
    public bool Enabled => Options.Enabled;
    public IReadOnlyList<string> Currencies => PaymentProviders.List(Options.Currencies);

    public async Task<StartedCheckout> StartCheckout(CheckoutRequest request, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "payments")
        {
            Content = JsonContent.Create(new
            {
                amount = YooKassaAmount.Of(request.AmountMinor, request.Currency),
                capture = true,
                confirmation = new YooKassaConfirmation("redirect", ReturnUrl: request.ReturnUrl),
                description = request.Description,
                metadata = request.Metadata,
            }, options: Json),
        };
        // The same key for the same checkout: a retried create returns the first payment.
        message.Headers.Add("Idempotence-Key", request.PaymentId.ToString());
        var payment = await Send(message, cancellationToken)
            ?? throw new PaymentProviderException("YooKassa answered 404 to a new payment.");
        if (payment.Confirmation?.ConfirmationUrl is not { } url || !PaymentUrls.IsHttp(url))
            throw new PaymentProviderException("YooKassa answered without a confirmation URL.");
        return new StartedCheckout(payment.Id, url);
    }

    /// <summary>The payment as YooKassa has it now; null when YooKassa does not know it.</summary>
    public async Task<YooKassaPayment?> Read(string paymentId, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Get, "payments/" + Uri.EscapeDataString(paymentId));
        return await Send(message, cancellationToken);
    }

    private async Task<YooKassaPayment?> Send(HttpRequestMessage message, CancellationToken cancellationToken)
    {
        // One deadline for connecting, the answer's headers and its body.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.Value.RequestTimeout);
        try
        {
            using var response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            if (response.StatusCode == HttpStatusCode.NotFound) return null;
            if (!response.IsSuccessStatusCode)
                throw new PaymentProviderException($"YooKassa answered {(int)response.StatusCode} to {message.Method} {message.RequestUri}.");
            var payment = await response.Content.ReadFromJsonAsync<YooKassaPayment>(Json, deadline.Token);
            return payment is { Id.Length: > 0, Status.Length: > 0, Amount: not null }
                ? payment
                : throw new PaymentProviderException("YooKassa answered a payment without id, status or amount.");
        }
        catch (Exception e) when (e is HttpRequestException or JsonException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new PaymentProviderException($"YooKassa could not be reached in time or answered unreadably ({message.Method} {message.RequestUri}).", e);
        }
    }
}
