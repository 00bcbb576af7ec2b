using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Zapnoty.Grains.Tests.Infrastructure;

/// <summary>A payment the fake holds: what was asked for, and its state as YooKassa would report it.</summary>
public sealed class FakeYooKassaPayment(string id, JsonObject request, string idempotenceKey)
{
    public string Id { get; } = id;
    public JsonObject Request { get; } = request;
    public string IdempotenceKey { get; } = idempotenceKey;
    public string Status { get; set; } = "pending";
    /// <summary>What the read-back reports as the amount (a test may make it lie).</summary>
    public string Value { get; set; } = request["amount"]!["value"]!.GetValue<string>();
    public string Currency { get; set; } = request["amount"]!["currency"]!.GetValue<string>();
    public decimal Refunded { get; set; }
    public string ConfirmationUrl => $"https://yoomoney.test/checkout/payments/v2/contract?orderId={Id}";

    public JsonObject Json() => new()
    {
        ["id"] = Id, ["status"] = Status, ["paid"] = Status == "succeeded",
        ["amount"] = new JsonObject { ["value"] = Value, ["currency"] = Currency },
        ["confirmation"] = Status == "pending"
            ? new JsonObject { ["type"] = "redirect", ["return_url"] = Request["confirmation"]?["return_url"]?.GetValue<string>(), ["confirmation_url"] = ConfirmationUrl }
            : null,
        ["created_at"] = "2026-12-07T03:00:00.000Z", ["description"] = Request["description"]?.GetValue<string>(),
        ["metadata"] = Request["metadata"]?.DeepClone(), ["recipient"] = new JsonObject { ["account_id"] = "100500", ["gateway_id"] = "100700" },
        ["refundable"] = Status == "succeeded", ["test"] = true,
        ["refunded_amount"] = Refunded > 0 ? new JsonObject { ["value"] = Refunded.ToString("0.00", CultureInfo.InvariantCulture), ["currency"] = Currency } : null,
    };
}

/// <summary>
/// YooKassa's API v3 on 127.0.0.1: <c>POST /v3/payments</c> (Basic auth <c>shopId:secretKey</c>,
/// an <c>Idempotence-Key</c> required, a repeated key answers the first payment) and
/// <c>GET /v3/payments/{id}</c>. A test moves a payment on (<see cref="Succeed"/>,
/// <see cref="Cancel"/>, <see cref="Refund"/>) and builds the notification YooKassa would post.
/// Point the client at it with <c>Zapnoty:Payments:YooKassa:ApiBaseUrl = BaseUrl</c>.
/// </summary>
public sealed class FakeYooKassaServer : IAsyncDisposable
{
    public string ShopId { get; } = Random.Shared.Next(100_000, 999_999).ToString(CultureInfo.InvariantCulture);
    public string SecretKey { get; } = "test_" + Guid.NewGuid().ToString("N");

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, FakeYooKassaPayment> _payments = new();
    private readonly ConcurrentDictionary<string, FakeYooKassaPayment> _byKey = new();
    private readonly ConcurrentQueue<string> _reads = new();

    private FakeYooKassaServer(WebApplication app)
    {
        _app = app;
        _app.MapPost("/v3/payments", Create);
        _app.MapGet("/v3/payments/{id}", Read);
    }

    public static Task<FakeYooKassaServer> Start() => LoopbackApp.Start(app => new FakeYooKassaServer(app));

    /// <summary>The API base, <c>http://127.0.0.1:port/v3</c>.</summary>
    public string BaseUrl => LoopbackApp.Address(_app.Services) + "/v3";

    public FakeYooKassaPayment Payment(string id) => _payments[id];

    /// <summary>The payment ids read back so far, in order.</summary>
    public IReadOnlyList<string> Reads => _reads.ToList();

    /// <summary>While true, every read-back answers 500 (YooKassa having a bad minute).</summary>
    public bool FailReads { get; set; }

    public void Succeed(string id) => _payments[id].Status = "succeeded";
    public void Cancel(string id) => _payments[id].Status = "canceled";
    public void Refund(string id, decimal amount) => _payments[id].Refunded += amount;

    /// <summary>The body YooKassa posts for <paramref name="eventName"/> about the payment as it is now.</summary>
    public string Notification(string eventName, string paymentId) => new JsonObject
    {
        ["type"] = "notification", ["event"] = eventName,
        ["object"] = eventName.StartsWith("refund.", StringComparison.Ordinal)
            ? new JsonObject { ["id"] = Guid.NewGuid().ToString(), ["payment_id"] = paymentId, ["status"] = "succeeded" }
            : _payments.TryGetValue(paymentId, out var payment) ? payment.Json() : new JsonObject { ["id"] = paymentId, ["status"] = "succeeded", ["paid"] = true },
    }.ToJsonString();

    private bool Authorized(HttpRequest request) =>
        request.Headers.Authorization.ToString() == "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{ShopId}:{SecretKey}"));

    private async Task<IResult> Create(HttpRequest request)
    {
        if (!Authorized(request)) return Error(401, "invalid_credentials", "Authentication by given credentials failed");
        var key = request.Headers["Idempotence-Key"].ToString();
        if (key.Length == 0) return Error(400, "invalid_request", "Idempotence key is missing");
        if (_byKey.TryGetValue(key, out var earlier)) return Results.Json(earlier.Json());
        var body = (await JsonNode.ParseAsync(request.Body))!.AsObject();
        if (body["confirmation"]?["type"]?.GetValue<string>() != "redirect" || body["amount"]?["value"] is null)
            return Error(400, "invalid_request", "confirmation.type and amount are required");
        var payment = new FakeYooKassaPayment(Guid.NewGuid().ToString(), body, key);
        _payments[payment.Id] = payment;
        _byKey[key] = payment;
        return Results.Json(payment.Json());
    }

    private IResult Read(string id, HttpRequest request)
    {
        if (!Authorized(request)) return Error(401, "invalid_credentials", "Authentication by given credentials failed");
        _reads.Enqueue(id);
        if (FailReads) return Error(500, "internal_server_error", "Internal server error");
        return _payments.TryGetValue(id, out var payment) ? Results.Json(payment.Json()) : Error(404, "not_found", "Payment not found");
    }

    private static IResult Error(int status, string code, string description) =>
        Results.Json(new JsonObject { ["type"] = "error", ["id"] = Guid.NewGuid().ToString(), ["code"] = code, ["description"] = description }, statusCode: status);

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
