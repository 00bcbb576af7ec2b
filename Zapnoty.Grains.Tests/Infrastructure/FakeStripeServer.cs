using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Zapnoty.Grains.Tests.Infrastructure;

/// <summary>A Checkout Session as the fake created it from the form Stripe.net sent.</summary>
public sealed record FakeStripeSession(string Id, string Url, long AmountTotal, string Currency, string? PaymentId, string? ClientReferenceId,
    string? SuccessUrl, string? IdempotencyKey, string PaymentIntent, IReadOnlyDictionary<string, string> Form);

/// <summary>A signed notification as Stripe would post it: the body and its <c>Stripe-Signature</c> header.</summary>
public sealed record StripeNotification(string Body, string Signature);

/// <summary>
/// Stripe's API on 127.0.0.1 for the one call we make, <c>POST /v1/checkout/sessions</c>
/// (form-encoded, <c>Authorization: Bearer</c> secret key, <c>Idempotency-Key</c>), answered the
/// way Stripe does. Also serves the checkout page (<c>GET /pay/{id}</c>) the payer is sent to, and
/// builds events signed with the endpoint secret exactly as Stripe signs them
/// (<c>t=…,v1=HMAC-SHA256(secret, "t.body")</c>). Point the client at it with
/// <c>Zapnoty:Payments:Stripe:ApiBaseUrl = BaseUrl</c>.
/// </summary>
public sealed class FakeStripeServer : IAsyncDisposable
{
    public string SecretKey { get; } = "sk_test_" + Guid.NewGuid().ToString("N");
    public string WebhookSecret { get; } = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, FakeStripeSession> _byKey = new();
    private readonly ConcurrentDictionary<string, FakeStripeSession> _sessions = new();
    private int _failures;

    private FakeStripeServer(WebApplication app)
    {
        _app = app;
        _app.MapPost("/v1/checkout/sessions", CreateSession);
        _app.MapGet("/pay/{id}", (string id) => Results.Content($"<!doctype html><title>Fake Stripe Checkout</title><h1>Pay for {id}</h1>", "text/html"));
    }

    public static Task<FakeStripeServer> Start() => LoopbackApp.Start(app => new FakeStripeServer(app));

    public string BaseUrl => LoopbackApp.Address(_app.Services);

    public IReadOnlyList<FakeStripeSession> Sessions => _sessions.Values.ToList();

    public FakeStripeSession Session(string id) => _sessions[id];

    /// <summary>The next <paramref name="count"/> creates answer 500 (Stripe.net retries once by itself).</summary>
    public void FailNext(int count) => Interlocked.Exchange(ref _failures, count);

    private async Task<IResult> CreateSession(HttpRequest request)
    {
        if (request.Headers.Authorization.ToString() != $"Bearer {SecretKey}")
            return Error(401, "invalid_request_error", "Invalid API Key provided.");
        if (Interlocked.Decrement(ref _failures) >= 0) return Error(500, "api_error", "Something went wrong on Stripe's end.");
        var form = (await request.ReadFormAsync()).ToDictionary(f => f.Key, f => f.Value.ToString());
        var key = request.Headers["Idempotency-Key"].ToString();
        if (key.Length > 0 && _byKey.TryGetValue(key, out var earlier)) return Results.Json(Json(earlier, "open", "unpaid"));
        var id = "cs_test_" + Guid.NewGuid().ToString("N");
        var session = new FakeStripeSession(id, $"{BaseUrl}/pay/{id}",
            long.Parse(form["line_items[0][price_data][unit_amount]"]), form["line_items[0][price_data][currency]"],
            form.GetValueOrDefault("metadata[payment_id]"), form.GetValueOrDefault("client_reference_id"), form.GetValueOrDefault("success_url"),
            key, "pi_" + Guid.NewGuid().ToString("N"), form);
        _sessions[id] = session;
        if (key.Length > 0) _byKey[key] = session;
        return Results.Json(Json(session, "open", "unpaid"));
    }

    /// <summary><c>checkout.session.completed</c>, paid, signed with the endpoint secret.</summary>
    public StripeNotification Completed(FakeStripeSession session) => Event("checkout.session.completed", Json(session, "complete", "paid"));

    /// <summary><c>checkout.session.expired</c>: the payer never paid.</summary>
    public StripeNotification Expired(FakeStripeSession session) => Event("checkout.session.expired", Json(session, "expired", "unpaid"));

    /// <summary><c>charge.refunded</c> with <paramref name="amountRefunded"/> (minor units) refunded so far.</summary>
    public StripeNotification Refunded(FakeStripeSession session, long amountRefunded) => Event("charge.refunded", new JsonObject
    {
        ["id"] = "ch_" + session.PaymentIntent[3..], ["object"] = "charge", ["amount"] = session.AmountTotal, ["amount_refunded"] = amountRefunded,
        ["currency"] = session.Currency, ["payment_intent"] = session.PaymentIntent, ["refunded"] = amountRefunded >= session.AmountTotal,
        ["paid"] = true, ["status"] = "succeeded",
    });

    /// <summary><c>charge.dispute.created</c>: the payer's bank took the money back.</summary>
    public StripeNotification Disputed(FakeStripeSession session) => Event("charge.dispute.created", new JsonObject
    {
        ["id"] = "dp_" + Guid.NewGuid().ToString("N"), ["object"] = "dispute", ["amount"] = session.AmountTotal, ["currency"] = session.Currency,
        ["charge"] = "ch_" + session.PaymentIntent[3..], ["payment_intent"] = session.PaymentIntent, ["reason"] = "fraudulent", ["status"] = "needs_response",
    });

    /// <summary>Any event about <paramref name="data"/>, signed with <paramref name="secret"/> (the endpoint's unless a test forges one).</summary>
    public StripeNotification Event(string type, JsonObject data, string? secret = null, DateTimeOffset? at = null)
    {
        var body = new JsonObject
        {
            ["id"] = "evt_" + Guid.NewGuid().ToString("N"), ["object"] = "event", ["api_version"] = Stripe.StripeConfiguration.ApiVersion,
            ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), ["livemode"] = false, ["pending_webhooks"] = 1,
            ["request"] = new JsonObject { ["id"] = null, ["idempotency_key"] = null }, ["type"] = type,
            ["data"] = new JsonObject { ["object"] = data },
        }.ToJsonString();
        return new StripeNotification(body, Sign(body, secret ?? WebhookSecret, at ?? DateTimeOffset.UtcNow));
    }

    public static string Sign(string body, string secret, DateTimeOffset at)
    {
        var timestamp = at.ToUnixTimeSeconds();
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}"));
        return $"t={timestamp},v1={Convert.ToHexStringLower(mac)}";
    }

    private static JsonObject Json(FakeStripeSession s, string status, string paymentStatus) => new()
    {
        ["id"] = s.Id, ["object"] = "checkout.session", ["amount_total"] = s.AmountTotal, ["currency"] = s.Currency,
        ["client_reference_id"] = s.ClientReferenceId, ["mode"] = "payment", ["status"] = status, ["payment_status"] = paymentStatus,
        ["payment_intent"] = paymentStatus == "paid" ? s.PaymentIntent : null, ["success_url"] = s.SuccessUrl, ["url"] = status == "open" ? s.Url : null,
        ["metadata"] = new JsonObject(s.Form.Where(f => f.Key.StartsWith("metadata[", StringComparison.Ordinal))
            .Select(f => KeyValuePair.Create(f.Key["metadata[".Length..^1], (JsonNode?)f.Value))),
    };

    private static IResult Error(int status, string type, string message) =>
        Results.Json(new JsonObject { ["error"] = new JsonObject { ["type"] = type, ["message"] = message } }, statusCode: status);

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
