using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Zapnoty.Grains.Tests.Infrastructure;

/// <summary>One request as a receiver got it: the raw body and the Standard Webhooks headers.</summary>
public sealed record ReceivedWebhook(string Path, string Id, string Timestamp, string Signature, string Body, IHeaderDictionary Headers, int AnsweredWith)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;
    public string Type => Json.GetProperty("type").GetString()!;
    public JsonElement Data => Json.GetProperty("data");
    public Guid TicketId => Data.GetProperty("ticket").GetProperty("id").GetGuid();
}

/// <summary>
/// A customer's server on 127.0.0.1: a real Kestrel app that records every webhook and answers
/// with whatever status the test decides per request (200 unless told otherwise).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();

    /// <summary>Decides the answer to each request; runs before it is recorded.</summary>
    public Func<ReceivedWebhook, int> Answer { get; set; } = _ => 200;

    /// <summary>Extra time before answering a request (a slow receiver).</summary>
    public Func<ReceivedWebhook, TimeSpan> Delay { get; set; } = _ => TimeSpan.Zero;

    private WebhookReceiver(WebApplication app)
    {
        _app = app;
        _app.MapPost("/{**path}", async (HttpContext http) =>
        {
            using var reader = new StreamReader(http.Request.Body);
            var body = await reader.ReadToEndAsync();
            var headers = new HeaderDictionary(http.Request.Headers.ToDictionary(h => h.Key, h => h.Value));
            var request = new ReceivedWebhook(http.Request.Path, headers["webhook-id"].ToString(), headers["webhook-timestamp"].ToString(),
                headers["webhook-signature"].ToString(), body, headers, 0);
            if (Delay(request) is { Ticks: > 0 } delay) await Task.Delay(delay);
            var status = Answer(request);
            _received.Enqueue(request with { AnsweredWith = status });
            http.Response.StatusCode = status;
            await http.Response.WriteAsync(status is >= 200 and < 300 ? "ok" : $"receiver says {status}");
        });
    }

    public static Task<WebhookReceiver> Start() => LoopbackApp.Start(app => new WebhookReceiver(app));

    public string Url(string path = "hooks") =>
        LoopbackApp.Address(_app.Services) + "/" + path;

    public IReadOnlyList<ReceivedWebhook> Received => _received.ToList();

    /// <summary>What was accepted (2xx) at <paramref name="path"/>, in arrival order.</summary>
    public IReadOnlyList<ReceivedWebhook> Accepted(string path = "hooks") =>
        _received.Where(r => r.Path == "/" + path && r.AnsweredWith is >= 200 and < 300).ToList();

    /// <summary>Polls until <paramref name="done"/> holds; fails with what arrived so far otherwise.</summary>
    public async Task<IReadOnlyList<ReceivedWebhook>> WaitFor(Func<IReadOnlyList<ReceivedWebhook>, bool> done, string path = "hooks", int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            var accepted = Accepted(path);
            if (done(accepted)) return accepted;
            await Task.Delay(50);
        }
        var got = string.Join(", ", Received.Select(r => $"{r.Type}:{r.AnsweredWith}"));
        throw new TimeoutException($"Webhooks at /{path} did not arrive in {seconds} s; received: [{got}]");
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
