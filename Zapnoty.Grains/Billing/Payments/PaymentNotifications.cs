using Microsoft.Extensions.Logging;
using Zapnoty.Grains.Audit;
using Zapnoty.Grains.Storage;

namespace Zapnoty.Grains.Billing.Payments;

/// <summary>What a verified notification did: the answer to the provider is 2xx for every one of these.</summary>
public enum NoticeOutcome { Granted, AlreadyDone, Canceled, TookBack, UnknownPayment, Mismatch }

/// <summary>
/// Applies verified provider notifications to our payments: grants a paid checkout's credits
/// once, marks cancelled ones, and takes credits back for refunds and chargebacks. Every step
/// is one transaction with its ledger entry and audit row (see <see cref="PaymentStore"/>).
/// </summary>
public sealed class PaymentNotifications(PaymentStore store, TimeProvider clock, ILogger<PaymentNotifications> log)
{
    public async Task<NoticeOutcome> Apply(PaymentNotice notice, CancellationToken cancellationToken)
    {
        var payment = await store.Find(notice, cancellationToken);
        if (payment is null)
        {
            log.LogWarning("A {Provider} notification ({Event}) names no payment of ours; ignored", notice.Provider, notice.Event);
            return NoticeOutcome.UnknownPayment;
        }
        var now = clock.StoredNow();
        switch (notice.Event)
        {
            case PaymentEvent.Paid:
                // The provider's own record must be the checkout we opened: amount, currency and our id.
                if (notice.AmountMinor != payment.AmountMinor || !string.Equals(notice.Currency, payment.Currency, StringComparison.OrdinalIgnoreCase)
                    || notice.PaymentId != payment.Id)
                {
                    log.LogError("A {Provider} payment {PaymentId} was reported paid with {Amount} {Currency}, but the checkout was for {Expected} {ExpectedCurrency}; no credits granted",
                        notice.Provider, payment.Id, notice.AmountMinor, notice.Currency, payment.AmountMinor, payment.Currency);
                    return NoticeOutcome.Mismatch;
                }
                var granted = await store.Grant(payment.Id, now, notice.ChargeId,
                    p => new AuditEntry(now, Actor.System, AuditActions.CreditsPurchased, p.Id.ToString(), Details(p)), cancellationToken);
                if (granted) log.LogInformation("Payment {PaymentId} at {Provider} paid: {Credits} credits granted", payment.Id, notice.Provider, payment.Credits);
                // YooKassa reports refunds on the payment itself: one read-back may show both.
                if (notice.RefundedMinor > 0) await TakeBack(payment, CreditsFor(payment, notice.RefundedMinor), now, cancellationToken);
                return granted ? NoticeOutcome.Granted : NoticeOutcome.AlreadyDone;
            case PaymentEvent.Canceled:
                return await store.Cancel(payment.Id, now,
                    p => new AuditEntry(now, Actor.System, AuditActions.PaymentCanceled, p.Id.ToString(), Details(p)), cancellationToken)
                    ? NoticeOutcome.Canceled : NoticeOutcome.AlreadyDone;
            case PaymentEvent.Refunded:
                return await TakeBack(payment, CreditsFor(payment, notice.RefundedMinor), now, cancellationToken) > 0 ? NoticeOutcome.TookBack : NoticeOutcome.AlreadyDone;
            case PaymentEvent.Disputed:
                return await TakeBack(payment, payment.Credits, now, cancellationToken) > 0 ? NoticeOutcome.TookBack : NoticeOutcome.AlreadyDone;
            default:
                return NoticeOutcome.AlreadyDone;
        }
    }

    /// <summary>Credits in proportion to the money refunded, rounded up: a full refund takes back every credit.</summary>
    public static int CreditsFor(Payment payment, long refundedMinor) =>
        (int)Math.Min(payment.Credits, (payment.Credits * Math.Max(0, refundedMinor) + payment.AmountMinor - 1) / payment.AmountMinor);

    private async Task<int> TakeBack(Payment payment, int total, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var taken = await store.TakeBack(payment.Id, now, total,
            (p, credits) => new AuditEntry(now, Actor.System, AuditActions.CreditsTakenBack, p.Id.ToString(), Details(p, credits)), cancellationToken);
        if (taken > 0) log.LogInformation("Payment {PaymentId} refunded or disputed: {Credits} credits taken back", payment.Id, taken);
        return taken;
    }

    /// <summary>The audit row's particulars: the provider's payment, the pack, the money and the credits moved.</summary>
    private static Dictionary<string, object?> Details(Payment p, int? credits = null) => new()
    {
        ["provider"] = p.Provider,
        ["provider_payment_id"] = p.ProviderPaymentId,
        ["pack_id"] = p.PackId,
        ["amount"] = BillingOptions.Major(p.AmountMinor),
        ["currency"] = p.Currency,
        ["credits"] = credits ?? p.Credits,
    };
}
