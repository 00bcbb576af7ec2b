using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text.Json;

namespace Zapnoty.Grains.Tests.Infrastructure;

/// <summary>One server-sent event as a client got it (<see cref="Id"/> is the stream's last event id at that point).</summary>
public sealed record StreamEvent(string Event, string? Id, string Data)
{
    public JsonElement Json => JsonDocument.Parse(Data).RootElement;

    /// <summary>The webhook type a ticket event carries (<c>ticket.customer_replied</c>, ...).</summary>
    public string? Type => Event is "ticket.created" or "ticket.updated" or "message.created" ? Json.GetProperty("type").GetString() : null;
}

/// <summary>
/// A dashboard's event stream (<c>GET /v1/projects/{id}/events</c>), read with the BCL's SSE parser
/// in the background; events are collected for the test to wait on.
/// </summary>
public sealed class EventStreamClient : IAsyncDisposable
{
    private readonly ConcurrentQueue<StreamEvent> _events = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly HttpResponseMessage _response;
    private readonly Task _reading;

    private EventStreamClient(HttpResponseMessage response)
    {
        _response = response;
        _reading = Read();
    }

    /// <summary>Every event so far except heartbeats.</summary>
    public IReadOnlyList<StreamEvent> Events => _events.Where(e => e.Event != "heartbeat").ToList();

    /// <summary>Completes when the server ends the stream.</summary>
    public Task Ended => _reading;

    public static Task<HttpResponseMessage> Request(HttpClient silo, string? token, Guid projectId, string? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/projects/{projectId}/events");
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is not null) request.Headers.Add("Last-Event-ID", lastEventId);
        return silo.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    public static async Task<EventStreamClient> Open(HttpClient silo, string? token, Guid projectId, string? lastEventId = null)
    {
        var response = await Request(silo, token, projectId, lastEventId);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"The stream answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var client = new EventStreamClient(response);
        // The first event (counts, or what was missed) says the stream is joined to its feed.
        await client.WaitFor(events => events.Count > 0);
        return client;
    }

    /// <summary>Waits until <paramref name="done"/> holds for the events so far; returns them.</summary>
    public async Task<IReadOnlyList<StreamEvent>> WaitFor(Func<IReadOnlyList<StreamEvent>, bool> done, int seconds = 15)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var events = Events;
            if (done(events)) return events;
            if (deadline.Elapsed > TimeSpan.FromSeconds(seconds))
                throw new TimeoutException($"The stream never got there; it has: {string.Join(" | ", events.Select(e => $"{e.Id} {e.Event} {e.Data}"))}");
            await Task.Delay(20);
        }
    }

    private async Task Read()
    {
        try
        {
            await using var body = await _response.Content.ReadAsStreamAsync(_stop.Token);
            var parser = SseParser.Create(body);
            await foreach (var item in parser.EnumerateAsync(_stop.Token))
                _events.Enqueue(new StreamEvent(item.EventType, item.EventId ?? parser.LastEventId, item.Data));
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException) { }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _response.Dispose();
        await _reading;
        _stop.Dispose();
    }
}
