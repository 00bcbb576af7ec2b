using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Bench;

/// <summary>
/// The customers' servers, inside the bench process: Kestrel on 127.0.0.1 with one inbox per
/// endpoint URL (<c>/hooks/{name}</c>), answering 200 as soon as the body is read. It does the
/// same small amount of work per request whoever sends it, so Zapnoty and the raw baseline
/// meet the same receiver.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Inbox> _inboxes = new();

    private WebhookReceiver(WebApplication app)
    {
        _app = app;
        _app.MapPost("/hooks/{name}", Receive);
    }

    public static Task<WebhookReceiver> Start() => LoopbackApp.Start(app => new WebhookReceiver(app));

    /// <summary>A new endpoint URL; <paramref name="trackReplies"/> also timestamps every <c>ticket.replied</c> by message id.</summary>
    public Inbox Open(string name, bool trackReplies = false)
    {
        var inbox = new Inbox($"{LoopbackApp.Address(_app.Services)}/hooks/{name}", trackReplies);
        if (!_inboxes.TryAdd(name, inbox)) throw new InvalidOperationException($"Inbox {name} is already open.");
        return inbox;
    }

    private async Task Receive(HttpContext http)
    {
        using var reader = new StreamReader(http.Request.Body);
        var body = await reader.ReadToEndAsync();
        var arrived = Stopwatch.GetTimestamp();
        if (!_inboxes.TryGetValue((string)http.Request.RouteValues["name"]!, out var inbox))
        {
            http.Response.StatusCode = 404;
            return;
        }
        var headers = http.Request.Headers;
        inbox.Take(headers["webhook-id"].ToString(), headers["webhook-timestamp"].ToString(), headers["webhook-signature"].ToString(), body, arrived);
        await http.Response.WriteAsync("ok");
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

/// <summary>
/// What arrived at one endpoint URL: when each request arrived, which webhook-ids came twice,
/// and a sample of signatures checked (one request in <see cref="CheckEvery"/>, so the check
/// does not become the receiver's main cost).
/// </summary>
public sealed class Inbox(string url, bool trackReplies)
{
    public const int CheckEvery = 20;

    private readonly List<long> _arrivals = new(10_000);
    private readonly ConcurrentDictionary<string, byte> _ids = new();
    private readonly ConcurrentDictionary<Guid, long> _replies = new();
    private int _count, _duplicates, _checked, _badSignatures;

    public string Url => url;

    /// <summary>
    /// Set once Zapnoty answers the subscription (which needs the URL first), before any event
    /// can exist; the raw baseline sets its own.
    /// </summary>
    public string Secret { get; set; } = "";
    public int Duplicates => Volatile.Read(ref _duplicates);
    public int Checked => Volatile.Read(ref _checked);
    public int BadSignatures => Volatile.Read(ref _badSignatures);

    /// <summary>A <c>ticket.replied</c> body as Zapnoty sent it, for the raw baseline to send too.</summary>
    public string? SampleReplyBody { get; private set; }

    internal void Take(string id, string timestamp, string signature, string body, long arrived)
    {
        lock (_arrivals) _arrivals.Add(arrived);
        if (!_ids.TryAdd(id, 0)) Interlocked.Increment(ref _duplicates);
        if (Interlocked.Increment(ref _count) % CheckEvery == 1) Check(id, timestamp, signature, body);
        if (trackReplies) TrackReply(body, arrived);
    }

    private void Check(string id, string timestamp, string signature, string body)
    {
        Interlocked.Increment(ref _checked);
        if (!StandardWebhookSignature.Verify(Secret, id, timestamp, body, signature)) Interlocked.Increment(ref _badSignatures);
        if (SampleReplyBody is null && TypeOf(body) == "ticket.replied") SampleReplyBody = body;
    }

    private void TrackReply(string body, long arrived)
    {
        using var json = JsonDocument.Parse(body);
        if (json.RootElement.GetProperty("type").GetString() == "ticket.replied")
            _replies.TryAdd(json.RootElement.GetProperty("data").GetProperty("message").GetProperty("id").GetGuid(), arrived);
    }

    private static string? TypeOf(string body)
    {
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("type").GetString();
    }

    public int Arrived => Volatile.Read(ref _count);

    /// <summary>Whether a request with this webhook-id (the event id) arrived.</summary>
    public bool Received(string webhookId) => _ids.ContainsKey(webhookId);

    public int ArrivedIn(long from, long to)
    {
        lock (_arrivals) return _arrivals.Count(t => t >= from && t < to);
    }

    public long LastArrival
    {
        get { lock (_arrivals) return _arrivals.Count == 0 ? 0 : _arrivals.Max(); }
    }

    public bool ReplyArrived(Guid messageId, out long arrived) => _replies.TryGetValue(messageId, out arrived);
}
