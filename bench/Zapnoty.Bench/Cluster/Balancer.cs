using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Zapnoty.Bench.Cluster;

/// <summary>One HTTP request as sent to one silo: what came back (status, or the error when nothing did) and when.</summary>
public sealed record Attempt(string Operation, string Marker, int Silo, DateTimeOffset Sent, DateTimeOffset Ended, int? Status, string? Error, JsonElement Body)
{
    public bool Succeeded => Status is >= 200 and < 300;

    /// <summary>The answer's Retry-After header, if any (a 503 must carry one).</summary>
    public string? RetryAfter { get; init; }
}

/// <summary>What a silo's /health/ready answered at a moment (null: no answer at all).</summary>
public sealed record ReadinessProbe(int Silo, DateTimeOffset At, int? Status);

/// <summary>
/// Stands in for a load balancer in front of the silos: probes /health/ready every
/// <see cref="ProbePeriod"/>, sends each request to the next ready silo in turn, and when an
/// attempt fails (no answer, 5xx, 409 from a second activation) tries again on the next one,
/// with a new marker so the database can tell the attempts apart. Records every attempt and
/// every probe.
/// </summary>
public sealed class Balancer(HttpClient http, ClusterPorts ports) : IAsyncDisposable
{
    public static readonly TimeSpan ProbePeriod = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromSeconds(90);

    private readonly ConcurrentDictionary<int, bool> _ready = new();
    private readonly ConcurrentQueue<Attempt> _attempts = new();
    private readonly ConcurrentQueue<ReadinessProbe> _probes = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _probing = Task.CompletedTask;
    private int _next;

    public IReadOnlyCollection<Attempt> Attempts => _attempts;
    public IReadOnlyCollection<ReadinessProbe> Probes => _probes;

    public void Start(IEnumerable<int> silos)
    {
        foreach (var silo in silos) _ready[silo] = true;
        _probing = Probe(_stop.Token);
    }

    /// <summary>A new silo behind the balancer; it gets traffic once its first probe says ready.</summary>
    public void Add(int silo) => _ready.TryAdd(silo, false);

    private async Task Probe(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(ProbePeriod);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            await Task.WhenAll(_ready.Keys.Select(silo => ProbeOne(silo, cancellationToken)));
    }

    private async Task ProbeOne(int silo, CancellationToken cancellationToken)
    {
        int? status = null;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ProbePeriod);
            using var response = await http.GetAsync(new Uri(ports.Url(silo), "/health/ready"), timeout.Token);
            status = (int)response.StatusCode;
        }
        catch (HttpRequestException) { }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested) { }
        _ready[silo] = status == 200;
        _probes.Enqueue(new ReadinessProbe(silo, DateTimeOffset.UtcNow, status));
    }

    /// <summary>
    /// Sends until a 2xx (returned), a refusal that another try cannot change (thrown), or
    /// <see cref="GiveUpAfter"/> (thrown). <paramref name="request"/> builds the request for a marker.
    /// </summary>
    public async Task<JsonElement> Send(string operation, string token, Func<string, (HttpMethod Method, string Path, object Body)> request,
        CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        for (var attempt = 1; ; attempt++)
        {
            var silo = await NextReady(cancellationToken);
            var marker = $"{operation}-{Guid.NewGuid():N}";
            var (method, path, body) = request(marker);
            var result = await SendOnce(operation, marker, silo, token, method, path, body, cancellationToken);
            _attempts.Enqueue(result);
            if (result.Succeeded) return result.Body;
            if (result.Status is { } status and < 500 and not 409 and not 408)
                throw new InvalidOperationException($"{operation} on silo {silo}: HTTP {status} {result.Body}");
            if (DateTimeOffset.UtcNow - started > GiveUpAfter)
                throw new TimeoutException($"{operation}: no success in {GiveUpAfter} ({attempt} attempts; last: {result.Status} {result.Error})");
            // A balancer moves on to another silo at once; a short pause keeps a cluster-wide
            // outage from turning into a spin.
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(50 * attempt, 500)), cancellationToken);
        }
    }

    private async Task<int> NextReady(CancellationToken cancellationToken)
    {
        while (true)
        {
            var ready = _ready.Where(s => s.Value).Select(s => s.Key).Order().ToArray();
            if (ready.Length > 0) return ready[(int)((uint)Interlocked.Increment(ref _next) % ready.Length)];
            await Task.Delay(50, cancellationToken);
        }
    }

    private async Task<Attempt> SendOnce(string operation, string marker, int silo, string token, HttpMethod method, string path, object body,
        CancellationToken cancellationToken)
    {
        var sent = DateTimeOffset.UtcNow;
        try
        {
            using var message = new HttpRequestMessage(method, new Uri(ports.Url(silo), path)) { Content = JsonContent.Create(body) };
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await http.SendAsync(message, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            var json = text.Length > 0 && text[0] == '{' ? JsonDocument.Parse(text).RootElement.Clone() : default;
            return new Attempt(operation, marker, silo, sent, DateTimeOffset.UtcNow, (int)response.StatusCode, null, json)
            {
                RetryAfter = response.Headers.RetryAfter?.ToString(),
            };
        }
        catch (HttpRequestException e)
        {
            return new Attempt(operation, marker, silo, sent, DateTimeOffset.UtcNow, null, e.HttpRequestError.ToString(), default);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new Attempt(operation, marker, silo, sent, DateTimeOffset.UtcNow, null, "Timeout", default);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try { await _probing; } catch (OperationCanceledException) { }
        _stop.Dispose();
    }
}
