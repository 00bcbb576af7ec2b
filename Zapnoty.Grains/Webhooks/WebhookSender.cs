using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Zapnoty.Grains.Webhooks;

/// <summary>
/// Makes one signed Standard Webhooks request. Redirects are not followed (a 3xx is a failed
/// attempt), connections go only to public addresses unless the operator allows others, and
/// an answer counts only within the timeout.
/// </summary>
public sealed class WebhookSender : IDisposable
{
    private readonly HttpClient _http;
    private readonly TimeProvider _clock;

    public WebhookSender(IOptions<WebhookOptions> options, TimeProvider clock)
    {
        var settings = options.Value;
        _clock = clock;
        _http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectCallback = (context, cancellationToken) => WebhookTargets.Connect(context, settings.AllowPrivateTargets, cancellationToken),
        })
        {
            Timeout = settings.Timeout,
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("Zapnoty-Webhooks/1.0");
    }

    /// <summary>The body receivers get: <c>{ type, timestamp, data }</c>, the same bytes on every retry.</summary>
    public static string Body(DueDelivery delivery) =>
        $$"""{"type":{{JsonSerializer.Serialize(delivery.Type)}},"timestamp":{{JsonSerializer.Serialize(delivery.OccurredAt.UtcDateTime)}},"data":{{delivery.Data}}}""";

    public async Task<AttemptOutcome> Send(WebhookEndpoint endpoint, DueDelivery delivery, CancellationToken cancellationToken)
    {
        var body = Body(delivery);
        var at = _clock.GetUtcNow();
        var timestamp = at.ToUnixTimeSeconds();
        var webhookId = delivery.EventId.ToString();
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.View.Url)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("webhook-id", webhookId);
        request.Headers.Add("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", WebhookSigning.Sign(webhookId, timestamp, body, endpoint.SigningSecrets(at)));

        var watch = Stopwatch.StartNew();
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var head = await ReadHead(response, cancellationToken);
            return new AttemptOutcome(at, (int)response.StatusCode, Elapsed(watch), null, head);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new AttemptOutcome(at, null, Elapsed(watch), $"No answer within {_http.Timeout.TotalSeconds:0} s.", null);
        }
        catch (HttpRequestException e)
        {
            return new AttemptOutcome(at, null, Elapsed(watch), e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message, null);
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

    public void Dispose() => _http.Dispose();
}
