using System.Net;
using System.Text;

namespace Zapnoty.Grains.Tests.Infrastructure;

/// <summary>The test cluster's payment providers (the fakes) and packs, and buying credits through them as a payer would.</summary>
public static class Payments
{
    /// <summary>Stripe takes USD and EUR, YooKassa RUB; two small packs keep the tests' reply loops short.</summary>
    public static IEnumerable<(string Key, string Value)> Configuration(FakeStripeServer stripe, FakeYooKassaServer yooKassa) =>
    [
        ("Zapnoty:Payments:Stripe:ApiBaseUrl", stripe.BaseUrl),
        ("Zapnoty:Payments:Stripe:SecretKey", stripe.SecretKey),
        ("Zapnoty:Payments:Stripe:WebhookSecret", stripe.WebhookSecret),
        ("Zapnoty:Payments:YooKassa:ApiBaseUrl", yooKassa.BaseUrl),
        ("Zapnoty:Payments:YooKassa:ShopId", yooKassa.ShopId),
        ("Zapnoty:Payments:YooKassa:SecretKey", yooKassa.SecretKey),
        ("Zapnoty:Payments:RequestTimeout", "00:00:03"),
        ("Zapnoty:Billing:Packs:0:Id", "credits-10"),
        ("Zapnoty:Billing:Packs:0:Credits", "10"),
        ("Zapnoty:Billing:Packs:0:Prices:USD", "2.00"),
        ("Zapnoty:Billing:Packs:0:Prices:RUB", "150.00"),
        ("Zapnoty:Billing:Packs:1:Id", "credits-50"),
        ("Zapnoty:Billing:Packs:1:Credits", "50"),
        ("Zapnoty:Billing:Packs:1:Prices:USD", "8.00"),
        ("Zapnoty:Billing:Packs:1:Prices:EUR", "7.50"),
        ("Zapnoty:Billing:Packs:1:Prices:RUB", "600.00"),
    ];

    /// <summary>Opens a Stripe checkout as the owner; returns our payment id and the session the fake Stripe made.</summary>
    public static async Task<(Guid PaymentId, FakeStripeSession Session)> StripeCheckout(this ClusterFixture cluster, ApiClient owner, Guid projectId,
        string packId = "credits-50")
    {
        var checkout = await owner.Post($"/v1/projects/{projectId}/billing/checkout", new { pack_id = packId, currency = "USD" });
        var paymentId = checkout.GetProperty("payment_id").GetGuid();
        var session = cluster.Stripe.Sessions.Single(s => s.PaymentId == paymentId.ToString());
        Assert.Equal(session.Url, checkout.GetProperty("checkout_url").GetString());
        return (paymentId, session);
    }

    /// <summary>Buys a pack the whole way: checkout, paid at the fake Stripe, its signed notification delivered.</summary>
    public static async Task<Guid> BuyWithStripe(this ClusterFixture cluster, ApiClient owner, Guid projectId, string packId = "credits-50")
    {
        var (paymentId, session) = await cluster.StripeCheckout(owner, projectId, packId);
        using var answer = await cluster.PostStripe(cluster.Stripe.Completed(session));
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        return paymentId;
    }

    /// <summary>Posts a notification to a silo's Stripe webhook, as Stripe does.</summary>
    public static Task<HttpResponseMessage> PostStripe(this ClusterFixture cluster, StripeNotification notification, int silo = 0) =>
        Post(cluster, silo, "/v1/payments/stripe/webhook", notification.Body, notification.Signature);

    /// <summary>Posts a notification body to a silo's YooKassa webhook, as YooKassa does (no signature).</summary>
    public static Task<HttpResponseMessage> PostYooKassa(this ClusterFixture cluster, string body, int silo = 0) =>
        Post(cluster, silo, "/v1/payments/yookassa/webhook", body, null);

    private static async Task<HttpResponseMessage> Post(ClusterFixture cluster, int silo, string path, string body, string? signature)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (signature is not null) request.Headers.TryAddWithoutValidation("Stripe-Signature", signature);
        return await cluster.Silos[silo].SendAsync(request);
    }
}
