using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Zapnoty.Grains.Webhooks;

/// <summary>
/// Makes one signed Standard Webhooks request. Redirects are not followed (a 3xx is a failed
/// attempt), connections go only to public addresses unless the operator allows others, no
/// proxy is used (the address checked must be the one connected to), and an answer counts only
/// if its headers and the part of its body we keep arrive within the timeout: one deadline
/// for the whole exchange, so a receiver that answers and then stalls cannot hold a socket.
/// At most <see cref="WebhookOptions.MaxInFlightPerSilo"/> requests are out at once per silo.
/// </summary>
public sealed class WebhookSender : IDisposable
{
    private readonly HttpClient _http;
    private readonly TimeProvider _clock;
    private readonly WebhookOptions _settings;
    private readonly SemaphoreSlim _inFlight;

    public WebhookSender(IOptions<WebhookOptions> options, TimeProvider clock)
    {
        var settings = _settings = options.Value;
        _clock = clock;
        _inFlight = new SemaphoreSlim(Math.Max(1, settings.MaxInFlightPerSilo));
        _http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectCallback = (context, cancellationToken) => WebhookTargets.Connect(context, settings.AllowPrivateTargets, cancellationToken),
        })
        {
            // The deadline below bounds each exchange; this is only a backstop.
            Timeout = settings.Timeout + TimeSpan.FromSeconds(5),
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("Zapnoty-Webhooks/1.0");
    }

    /// <summary>The body receivers get: <c>{ type, timestamp, data }</c>, the same bytes on every retry.</summary>
    public static string Body(DueDelivery delivery) =>
        $$"""{"type":{{JsonSerializer.Serialize(delivery.Type)}},"timestamp":{{JsonSerializer.Serialize(delivery.OccurredAt.UtcDateTime)}},"data":{{delivery.Data}}}""";

    public async Task<AttemptOutcome> Send(WebhookEndpoint endpoint, DueDelivery delivery, CancellationToken cancellationToken)
    {
        var at = _clock.GetUtcNow();
        // Endpoints saved before https was required still deliver nothing in the clear.
        if (!Uri.TryCreate(endpoint.View.Url, UriKind.Absolute, out var target) || !WebhookTargets.SchemeAllowed(target, _settings.AllowPrivateTargets))
            return new AttemptOutcome(at, null, 0, "Plain http:// is refused for public receivers; change the endpoint's url to https://.", null);

        var body = Body(delivery);
        var timestamp = at.ToUnixTimeSeconds();
        var webhookId = delivery.EventId.ToString();
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.View.Url)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("webhook-id", webhookId);
        request.Headers.Add("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", WebhookSigning.Sign(webhookId, timestamp, body, endpoint.SigningSecrets(at)));

        await _inFlight.WaitAsync(cancellationToken);
        var watch = Stopwatch.StartNew();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_settings.Timeout);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            var head = await ReadHead(response, deadline.Token);
            return new AttemptOutcome(at, (int)response.StatusCode, Elapsed(watch), null, head);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new AttemptOutcome(at, null, Elapsed(watch), $"No complete answer within {_settings.Timeout.TotalSeconds:0} s.", null);
        }
        catch (HttpRequestException e)
        {
            return new AttemptOutcome(at, null, Elapsed(watch), e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message, null);
        }
        catch (IOException e)
        {
            // The receiver broke the connection while sending its body.
            return new AttemptOutcome(at, null, Elapsed(watch), e.Message, null);
        }
        finally
        {
            _inFlight.Release();
        }
    }

    /// <summary>The first kilobyte of the answer, for the delivery log.</summary>
    private static async Task<string?> ReadHead(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[WebhookLimits.ResponseBytesKept];
        var read = 0;
        int n;
        while (read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken)) > 0) read += n;
        // PostgreSQL text cannot hold NUL; a binary answer is kept as readable as it gets.
        return read == 0 ? null : Encoding.UTF8.GetString(buffer, 0, read).Replace("\0", "");
    }

    private static int Elapsed(Stopwatch watch) => (int)Math.Min(int.MaxValue, watch.ElapsedMilliseconds);

    public void Dispose()
    {
        _http.Dispose();
        _inFlight.Dispose();
    }
}
