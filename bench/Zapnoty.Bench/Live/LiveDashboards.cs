using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;

namespace Zapnoty.Bench.Live;

/// <summary>
/// Many dashboards' event streams (<c>GET /v1/projects/{id}/events</c>) on one silo, each read by
/// its own task with the BCL's SSE parser, as the dashboard's <c>fetch</c> reader does. For every
/// customer update the bench sent (numbered; its text carries <see cref="Marker"/>), each stream
/// stamps when it first read the <c>ticket.created</c> or <c>message.created</c> that carries it.
/// Matching is a string search, not a JSON parse, so the 500 readers cost the shared machine little.
/// </summary>
public sealed class LiveDashboards : IAsyncDisposable
{
    /// <summary>Marks an update's text: <c>LB000123</c> is update 123.</summary>
    public const string Marker = "LB";

    private const int MarkerDigits = 6;

    private readonly long[] _arrivals;
    private readonly int _updates;
    private readonly List<Task> _readers = [];
    private readonly List<HttpResponseMessage> _responses = [];
    private readonly CancellationTokenSource _stop = new();
    private int _resets;
    private int _ended;

    private LiveDashboards(int streams, int updates)
    {
        Streams = streams;
        _updates = updates;
        _arrivals = new long[streams * updates];
    }

    public int Streams { get; }

    /// <summary><c>reset</c> events read (the stream could not replay: a dashboard would refetch).</summary>
    public int Resets => Volatile.Read(ref _resets);

    /// <summary>Streams the server ended or that failed before the bench closed them.</summary>
    public int Ended => Volatile.Read(ref _ended);

    public static string Mark(int update) => Marker + update.ToString("D" + MarkerDigits);

    /// <summary>When stream <paramref name="stream"/> read update <paramref name="update"/> (monotonic clock), or 0.</summary>
    public long Arrival(int update, int stream) => Volatile.Read(ref _arrivals[update * Streams + stream]);

    /// <summary>
    /// Opens <paramref name="streams"/> streams, <paramref name="perKey"/> with each key (a key counts
    /// as one person for the per-person cap), at most 16 connecting at once, each waiting for its first
    /// event (the counts), which says the stream has joined its project's feed.
    /// </summary>
    public static async Task<LiveDashboards> Open(HttpClient silo, Guid projectId, IReadOnlyList<string> keys, int perKey, int streams, int updates)
    {
        var dashboards = new LiveDashboards(streams, updates);
        var joined = new TaskCompletionSource[dashboards.Streams];
        for (var i = 0; i < joined.Length; i++) joined[i] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var responses = new HttpResponseMessage[dashboards.Streams];
        await Parallel.ForAsync(0, dashboards.Streams, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (stream, _) =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/projects/{projectId}/events");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", keys[stream / perKey]);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            var response = await silo.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            if (!response.IsSuccessStatusCode)
                throw new InvalidOperationException($"Stream {stream} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            responses[stream] = response;
            var reader = dashboards.Read(stream, response, joined[stream]);
            lock (dashboards._readers) dashboards._readers.Add(reader);
            await joined[stream].Task.WaitAsync(TimeSpan.FromSeconds(60));
        });
        dashboards._responses.AddRange(responses);
        return dashboards;
    }

    private async Task Read(int stream, HttpResponseMessage response, TaskCompletionSource joined)
    {
        await Task.Yield();
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(_stop.Token);
            await foreach (var item in SseParser.Create(body).EnumerateAsync(_stop.Token))
            {
                var at = Stopwatch.GetTimestamp();
                joined.TrySetResult();
                if (item.EventType == "reset") Interlocked.Increment(ref _resets);
                if (item.EventType is not ("ticket.created" or "message.created")) continue;
                // A message.created carries the ticket (whose subject is its first message) before
                // the message: the last marker is the message's own.
                var position = item.Data.LastIndexOf(Marker, StringComparison.Ordinal);
                if (position < 0 || position + Marker.Length + MarkerDigits > item.Data.Length
                    || !int.TryParse(item.Data.AsSpan(position + Marker.Length, MarkerDigits), out var update) || update >= _updates) continue;
                Interlocked.CompareExchange(ref _arrivals[update * Streams + stream], at, 0);
            }
            if (!_stop.IsCancellationRequested) Interlocked.Increment(ref _ended);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException)
        {
            if (!_stop.IsCancellationRequested) Interlocked.Increment(ref _ended);
        }
        finally
        {
            joined.TrySetException(new InvalidOperationException($"Stream {stream} ended before its first event"));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (var response in _responses) response?.Dispose();
        await Task.WhenAll(_readers);
        _stop.Dispose();
    }
}
