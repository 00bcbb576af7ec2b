using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Zapnoty.Grains.Billing;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// Credits are bought, never granted (review finding 2): a checkout at Stripe (the real Stripe.net
/// client against a fake Stripe) or YooKassa (a fake on loopback), and credits only from the
/// provider's verified notification, once per payment, taken back on refunds and chargebacks.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class PaymentTests(ClusterFixture cluster)
{
    [Fact]
    public async Task The_old_route_that_minted_credits_for_free_is_gone()
    {
        var (owner, projectId) = await OwnerWithProject();
        using var minted = await owner.Send(HttpMethod.Post, $"/v1/projects/{projectId}/billing/credits", new { amount = 1_000_000, reference = "x1" });
        Assert.True(minted.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed, $"got {(int)minted.StatusCode}");
        Assert.Equal(0, await Purchased(owner, projectId));
    }

    [Fact]
    public async Task A_paid_stripe_checkout_grants_its_credits_once_into_the_ledger_and_the_audit_log()
    {
        var (owner, projectId) = await OwnerWithProject();
        var packs = (await owner.Get($"/v1/projects/{projectId}/billing/packs")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["credits-10", "credits-50"], packs.Select(p => p.GetProperty("id").GetString()));
        Assert.Equal(["USD stripe 8", "EUR stripe 7.5", "RUB yookassa 600"], packs[1].GetProperty("prices").EnumerateArray()
            .Select(p => $"{p.GetProperty("currency").GetString()} {p.GetProperty("provider").GetString()} {p.GetProperty("amount").GetDecimal():0.##}"));
        Assert.Equal(["stripe", "yookassa"], (await owner.Get($"/v1/projects/{projectId}/billing")).GetProperty("payment_providers")
            .EnumerateArray().Select(p => p.GetString()));

        var (paymentId, session) = await cluster.StripeCheckout(owner, projectId);
        Assert.Equal((800L, "usd", paymentId.ToString()), (session.AmountTotal, session.Currency, session.ClientReferenceId));
        Assert.Equal($"https://helpdesk.example.com/#/p/{projectId}/settings/billing/{paymentId}", session.SuccessUrl);
        Assert.Equal(paymentId.ToString(), session.IdempotencyKey);
        Assert.Equal("pending", (await Payment(owner, projectId, paymentId)).GetProperty("status").GetString());
        Assert.Equal(0, await Purchased(owner, projectId));

        var paid = cluster.Stripe.Completed(session);
        for (var i = 0; i < 3; i++)
        {
            using var answer = await cluster.PostStripe(paid, silo: i % 2);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        }
        Assert.Equal(50, await Purchased(owner, projectId));
        Assert.Equal("succeeded", (await Payment(owner, projectId, paymentId)).GetProperty("status").GetString());
        var purchase = Assert.Single(await Ledger(owner, projectId), e => e.GetProperty("kind").GetString() == "purchase");
        Assert.Equal((50, $"stripe:{session.Id}"), (purchase.GetProperty("amount").GetInt32(), purchase.GetProperty("reference").GetString()));
        var audit = (await owner.Get($"/v1/projects/{projectId}/audit?action=billing")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["billing.credits_purchased", "billing.checkout_started"], audit.Select(a => a.GetProperty("action").GetString()));
        Assert.Equal("system", audit[0].GetProperty("actor").GetProperty("kind").GetString());
        Assert.Equal("user", audit[1].GetProperty("actor").GetProperty("kind").GetString());
    }

    [Fact]
    public async Task An_expired_stripe_checkout_grants_nothing()
    {
        var (owner, projectId) = await OwnerWithProject();
        var (paymentId, session) = await cluster.StripeCheckout(owner, projectId);
        using (var answer = await cluster.PostStripe(cluster.Stripe.Expired(session)))
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("canceled", (await Payment(owner, projectId, paymentId)).GetProperty("status").GetString());
        Assert.Equal(0, await Purchased(owner, projectId));
        Assert.DoesNotContain(await Ledger(owner, projectId), e => e.GetProperty("kind").GetString() == "purchase");
    }

    [Fact]
    public async Task A_forged_or_stale_stripe_notification_is_refused_with_400_and_grants_nothing()
    {
        var (owner, projectId) = await OwnerWithProject();
        var (paymentId, session) = await cluster.StripeCheckout(owner, projectId);
        var genuine = cluster.Stripe.Completed(session);
        var forged = new[]
        {
            genuine with { Signature = FakeStripeServer.Sign(genuine.Body, "whsec_guessed", DateTimeOffset.UtcNow) },
            genuine with { Signature = "" },
            genuine with { Body = genuine.Body.Replace("\"amount_total\":800", "\"amount_total\":1") },
            genuine with { Signature = FakeStripeServer.Sign(genuine.Body, cluster.Stripe.WebhookSecret, DateTimeOffset.UtcNow.AddHours(-1)) },
            new StripeNotification("{not json", "t=1,v1=00"),
        };
        foreach (var notification in forged)
        {
            using var answer = await cluster.PostStripe(notification);
            Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
            Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
        }
        Assert.Equal("pending", (await Payment(owner, projectId, paymentId)).GetProperty("status").GetString());
        Assert.Equal(0, await Purchased(owner, projectId));
    }

    [Fact]
    public async Task A_notification_for_a_payment_we_never_opened_is_acknowledged_and_grants_nothing()
    {
        var (owner, projectId) = await OwnerWithProject();
        var (_, session) = await cluster.StripeCheckout(owner, projectId);
        var stranger = session with { Id = "cs_test_someone_else", PaymentIntent = "pi_someone_else" };
        foreach (var notification in new[] { cluster.Stripe.Completed(stranger), cluster.Stripe.Refunded(stranger, 800), cluster.Stripe.Disputed(stranger),
                     cluster.Stripe.Event("customer.created", new JsonObject { ["id"] = "cus_1", ["object"] = "customer" }) })
        {
            using var answer = await cluster.PostStripe(notification);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        }

        var unknown = Guid.NewGuid().ToString();
        using (var answer = await cluster.PostYooKassa(cluster.YooKassa.Notification("payment.succeeded", unknown)))
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.DoesNotContain(unknown, cluster.YooKassa.Reads);   // nothing to read back for a payment that is not ours
        foreach (var junk in new[] { "", "[]", "{\"event\":\"payment.succeeded\"}", "{\"event\":\"payment.succeeded\",\"object\":{\"id\":\"../../admin\"}}", "\u0000" })
        {
            using var answer = await cluster.PostYooKassa(junk);
            Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        }
        Assert.Equal(0, await Purchased(owner, projectId));
    }

    [Fact]
    public async Task The_same_notification_racing_into_both_silos_grants_exactly_once()
    {
        var (owner, projectId) = await OwnerWithProject();
        var (paymentId, session) = await cluster.StripeCheckout(owner, projectId);
        var paid = cluster.Stripe.Completed(session);
        var answers = await Task.WhenAll(Enumerable.Range(0, 12).Select(async i =>
        {
            using var answer = await cluster.PostStripe(paid, silo: i % 2);
            return answer.StatusCode;
        }));
        Assert.All(answers, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.Equal(50, await Purchased(owner, projectId));
        Assert.Single(await Ledger(owner, projectId), e => e.GetProperty("kind").GetString() == "purchase");
        var audit = (await owner.Get($"/v1/projects/{projectId}/audit?action=billing.credits_purchased")).GetProperty("items");
        Assert.Equal(paymentId.ToString(), Assert.Single(audit.EnumerateArray()).GetProperty("target_id").GetString());
    }

    [Fact]
    public async Task A_refund_takes_the_credits_back_and_while_the_balance_is_negative_replies_are_refused_with_402()
    {
        var (owner, projectId) = await OwnerWithProject();
        var ticketId = (await owner.CreateTicket(projectId)).GetProperty("id").GetGuid();
        var (paymentId, session) = await cluster.StripeCheckout(owner, projectId);
        using (var paid = await cluster.PostStripe(cluster.Stripe.Completed(session))) Assert.Equal(HttpStatusCode.OK, paid.StatusCode);
        await owner.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = "Paid for" });

        // Half the money back: half the credits; then all of it, repeated, and a chargeback on top: the rest, once.
        using (var half = await cluster.PostStripe(cluster.Stripe.Refunded(session, 400))) Assert.Equal(HttpStatusCode.OK, half.StatusCode);
        Assert.Equal(25, await Purchased(owner, projectId));
        foreach (var notification in new[] { cluster.Stripe.Refunded(session, 800), cluster.Stripe.Refunded(session, 800), cluster.Stripe.Disputed(session) })
        {
            using var answer = await cluster.PostStripe(notification, silo: 1);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        }
        Assert.Equal(0, await Purchased(owner, projectId));
        Assert.Equal("refunded", (await Payment(owner, projectId, paymentId)).GetProperty("status").GetString());
        Assert.Equal([-25, -25], (await Ledger(owner, projectId)).Where(e => e.GetProperty("kind").GetString() == "refund").Select(e => e.GetProperty("amount").GetInt32()));

        // Spend the free credits past the refunded purchase, then take a purchase back after its credits were spent.
        var (secondId, second) = await cluster.StripeCheckout(owner, projectId, "credits-10");
        using (var paid = await cluster.PostStripe(cluster.Stripe.Completed(second))) Assert.Equal(HttpStatusCode.OK, paid.StatusCode);
        for (var i = 0; i < 99 + 10; i++)
            await owner.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = $"Reply {i}" });
        using (var chargeback = await cluster.PostStripe(cluster.Stripe.Disputed(second))) Assert.Equal(HttpStatusCode.OK, chargeback.StatusCode);
        var balance = await owner.Get($"/v1/projects/{projectId}/billing");
        Assert.Equal((0, -10, -10), (balance.GetProperty("free_credits_left").GetInt32(), balance.GetProperty("purchased_credits").GetInt32(),
            balance.GetProperty("credits_left").GetInt32()));
        await owner.Call(HttpMethod.Post, $"/v1/helpdesk/tickets/{ticketId}/replies", new { text = "Owes credits" }, HttpStatusCode.PaymentRequired);
        Assert.Equal("refunded", (await Payment(owner, projectId, secondId)).GetProperty("status").GetString());
        var audit = (await owner.Get($"/v1/projects/{projectId}/audit?action=billing.credits_taken_back")).GetProperty("items");
        Assert.Equal(3, audit.GetArrayLength());
    }

    [Fact]
    public async Task A_yookassa_payment_grants_credits_only_once_it_reads_back_as_succeeded()
    {
        var (owner, projectId) = await OwnerWithProject();
        var checkout = await owner.Post($"/v1/projects/{projectId}/billing/checkout", new { pack_id = "credits-50", currency = "RUB" });
        var paymentId = checkout.GetProperty("payment_id").GetGuid();
        var url = checkout.GetProperty("checkout_url").GetString()!;
        var yooKassaId = url[(url.IndexOf("orderId=", StringComparison.Ordinal) + "orderId=".Length)..];
        var created = cluster.YooKassa.Payment(yooKassaId);
        Assert.Equal(paymentId.ToString(), created.IdempotenceKey);
        Assert.Equal("""{"value":"600.00","currency":"RUB"}""", created.Request["amount"]!.ToJsonString());
        Assert.Equal("redirect", created.Request["confirmation"]!["type"]!.GetValue<string>());
        Assert.Equal(paymentId.ToString(), created.Request["metadata"]!["payment_id"]!.GetValue<string>());

        // A notification is only a hint: while YooKassa says the payment is pending, nothing is granted.
        using (var premature = await cluster.PostYooKassa(cluster.YooKassa.Notification("payment.succeeded", yooKassaId)))
            Assert.Equal(HttpStatusCode.OK, premature.StatusCode);
        Assert.Contains(yooKassaId, cluster.YooKassa.Reads);
        Assert.Equal(0, await Purchased(owner, projectId));

        cluster.YooKassa.Succeed(yooKassaId);
        var succeeded = cluster.YooKassa.Notification("payment.succeeded", yooKassaId);
        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(async i =>
        {
            using var answer = await cluster.PostYooKassa(succeeded, silo: i % 2);
            return answer.StatusCode;
        }));
        Assert.All(answers, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.Equal(50, await Purchased(owner, projectId));
        Assert.Equal("succeeded", (await Payment(owner, projectId, paymentId)).GetProperty("status").GetString());

        cluster.YooKassa.Refund(yooKassaId, 600m);
        using (var refunded = await cluster.PostYooKassa(cluster.YooKassa.Notification("refund.succeeded", yooKassaId)))
            Assert.Equal(HttpStatusCode.OK, refunded.StatusCode);
        Assert.Equal(0, await Purchased(owner, projectId));
        Assert.Equal("refunded", (await Payment(owner, projectId, paymentId)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_cancelled_yookassa_payment_or_one_whose_amount_differs_from_the_checkout_grants_nothing()
    {
        var (owner, projectId) = await OwnerWithProject();
        var cancelled = await YooKassaCheckout(owner, projectId);
        cluster.YooKassa.Cancel(cancelled.YooKassaId);
        using (var answer = await cluster.PostYooKassa(cluster.YooKassa.Notification("payment.canceled", cancelled.YooKassaId)))
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("canceled", (await Payment(owner, projectId, cancelled.PaymentId)).GetProperty("status").GetString());

        var cheaper = await YooKassaCheckout(owner, projectId);
        cluster.YooKassa.Succeed(cheaper.YooKassaId);
        cluster.YooKassa.Payment(cheaper.YooKassaId).Value = "1.00";
        using (var answer = await cluster.PostYooKassa(cluster.YooKassa.Notification("payment.succeeded", cheaper.YooKassaId)))
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("pending", (await Payment(owner, projectId, cheaper.PaymentId)).GetProperty("status").GetString());
        Assert.Equal(0, await Purchased(owner, projectId));
    }

    [Fact]
    public async Task While_yookassa_cannot_be_read_back_its_notification_is_answered_503_so_that_it_comes_again()
    {
        var (owner, projectId) = await OwnerWithProject();
        var (paymentId, yooKassaId) = await YooKassaCheckout(owner, projectId);
        cluster.YooKassa.Succeed(yooKassaId);
        var notification = cluster.YooKassa.Notification("payment.succeeded", yooKassaId);
        cluster.YooKassa.FailReads = true;
        try
        {
            using var unavailable = await cluster.PostYooKassa(notification);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, unavailable.StatusCode);
            Assert.Equal("application/problem+json", unavailable.Content.Headers.ContentType?.MediaType);
        }
        finally
        {
            cluster.YooKassa.FailReads = false;
        }
        Assert.Equal(0, await Purchased(owner, projectId));
        using (var again = await cluster.PostYooKassa(notification, silo: 1)) Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(10, await Purchased(owner, projectId));
        Assert.Equal("succeeded", (await Payment(owner, projectId, paymentId)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Checkout_refuses_return_urls_off_this_site_unknown_packs_and_currencies_and_answers_502_when_the_provider_fails()
    {
        var (owner, projectId) = await OwnerWithProject();
        var checkout = $"/v1/projects/{projectId}/billing/checkout";
        foreach (var returnUrl in new[] { "https://evil.example/", "https://helpdesk.example.com.evil.example/", "//evil.example/x",
                     "javascript:alert(1)", "https://user@helpdesk.example.com/", "http://helpdesk.example.com/", "/relative" })
        {
            var refused = await owner.Call(HttpMethod.Post, checkout, new { pack_id = "credits-10", return_url = returnUrl }, HttpStatusCode.BadRequest);
            Assert.True(refused.GetProperty("errors").TryGetProperty("return_url", out _), returnUrl);
        }
        var own = await owner.Post(checkout, new { pack_id = "credits-10", return_url = "https://helpdesk.example.com/#/back" });
        Assert.Equal("https://helpdesk.example.com/#/back",
            cluster.Stripe.Sessions.Single(s => s.PaymentId == own.GetProperty("payment_id").GetString()).SuccessUrl);

        await owner.Call(HttpMethod.Post, checkout, new { pack_id = "credits-1000000" }, HttpStatusCode.BadRequest);
        await owner.Call(HttpMethod.Post, checkout, new { pack_id = "credits-10", currency = "JPY" }, HttpStatusCode.BadRequest);
        await owner.Call(HttpMethod.Post, checkout, new { }, HttpStatusCode.BadRequest);

        cluster.Stripe.FailNext(2);
        var failed = await owner.Call(HttpMethod.Post, checkout, new { pack_id = "credits-10" }, HttpStatusCode.BadGateway);
        Assert.Contains("Stripe", failed.GetProperty("detail").GetString());
        cluster.Stripe.FailNext(0);
        var cancelled = (await owner.Get($"/v1/projects/{projectId}/audit?action=billing.payment_canceled")).GetProperty("items");
        Assert.Equal("provider_failed", Assert.Single(cancelled.EnumerateArray()).GetProperty("details").GetProperty("reason").GetString());
    }

    [Fact]
    public void The_development_grant_switch_stops_a_silo_outside_development()
    {
        IOptions<BillingOptions> Options(string environment)
        {
            var services = new ServiceCollection();
            services.AddSingleton<IHostEnvironment>(new Microsoft.Extensions.Hosting.Internal.HostingEnvironment { EnvironmentName = environment });
            services.AddZapnotyBilling(new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?> { ["Zapnoty:Billing:DevelopmentGrants"] = "true" }).Build());
            return services.BuildServiceProvider().GetRequiredService<IOptions<BillingOptions>>();
        }
        var refused = Assert.Throws<OptionsValidationException>(() => Options(Environments.Production).Value);
        Assert.Contains("Development", refused.Message);
        Assert.True(Options(Environments.Development).Value.DevelopmentGrants);
    }

    private async Task<(Guid PaymentId, string YooKassaId)> YooKassaCheckout(ApiClient owner, Guid projectId)
    {
        var checkout = await owner.Post($"/v1/projects/{projectId}/billing/checkout", new { pack_id = "credits-10", currency = "RUB" });
        var url = checkout.GetProperty("checkout_url").GetString()!;
        return (checkout.GetProperty("payment_id").GetGuid(), url[(url.IndexOf("orderId=", StringComparison.Ordinal) + "orderId=".Length)..]);
    }

    private async Task<(ApiClient Owner, Guid ProjectId)> OwnerWithProject()
    {
        var owner = await cluster.Api().LogInAs();
        return (owner, await owner.CreateProject());
    }

    private static async Task<int> Purchased(ApiClient owner, Guid projectId) =>
        (await owner.Get($"/v1/projects/{projectId}/billing")).GetProperty("purchased_credits").GetInt32();

    private static Task<JsonElement> Payment(ApiClient owner, Guid projectId, Guid paymentId) =>
        owner.Get($"/v1/projects/{projectId}/billing/payments/{paymentId}");

    private static async Task<List<JsonElement>> Ledger(ApiClient owner, Guid projectId) =>
        (await owner.Get($"/v1/projects/{projectId}/billing/ledger?limit=200")).GetProperty("items").EnumerateArray().ToList();
}
