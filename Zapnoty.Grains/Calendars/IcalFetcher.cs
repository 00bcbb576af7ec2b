using System.Net;
using System.Text;
using Microsoft.Extensions.Options;
using Zapnoty.Grains.Webhooks;

namespace Zapnoty.Grains.Calendars;

/// <summary>
/// Downloads a published calendar (<c>ical_url</c>) behind the webhooks' SSRF guard: https
/// only (plain http only where private targets are allowed), every connection to a public
/// address only (<see cref="WebhookTargets"/>' connect callback, checked on the address really
/// connected to), no proxy, redirects followed by hand (at most
/// <see cref="MaxRedirects"/>, each target checked again), at most
/// <see cref="CalendarLimits.MaxFetchedIcsBytes"/> of body and one deadline for the whole
/// exchange. Every failure is a refusal (422, field <c>ical_url</c>) naming the host, never the
/// whole URL: a private calendar's address is a secret of its own.
/// </summary>
public sealed class IcalFetcher : IDisposable
{
    public const int MaxRedirects = 3;

    /// <summary>The whole exchange, redirects included.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    private readonly HttpClient _http;
    private readonly bool _allowPlainHttp;
    private readonly TimeSpan _timeout;

    /// <summary>As configured for webhooks (<c>Zapnoty:Webhooks:AllowPrivateTargets</c>).</summary>
    public IcalFetcher(IOptions<WebhookOptions> options)
        : this(options.Value.AllowPrivateTargets ? _ => true : WebhookTargets.IsPublic, options.Value.AllowPrivateTargets, DefaultTimeout)
    {
    }

    /// <summary>
    /// With the address check given outright (a test stands a loopback server in for the public
    /// internet this way) and whether plain http is allowed.
    /// </summary>
    public IcalFetcher(Func<IPAddress, bool> allowedAddress, bool allowPlainHttp, TimeSpan timeout)
    {
        _allowPlainHttp = allowPlainHttp;
        _timeout = timeout;
        _http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            // The size cap counts decompressed bytes: a small compressed bomb stops at the cap.
            AutomaticDecompression = DecompressionMethods.All,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectCallback = (context, cancellationToken) => WebhookTargets.Connect(context, allowedAddress, cancellationToken),
        })
        {
            // The deadline in Fetch bounds each exchange; this is only a backstop.
            Timeout = timeout + TimeSpan.FromSeconds(5),
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("Zapnoty-Calendar/1.0");
    }

    /// <summary>The calendar file's text (UTF-8, as RFC 5545 has it), or a refusal saying what went wrong.</summary>
    public async Task<string> Fetch(string url, CancellationToken cancellationToken)
    {
        var target = Target(url, null);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_timeout);
        try
        {
            for (var redirects = 0; ; redirects++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, target);
                request.Headers.Accept.ParseAdd("text/calendar");
                request.Headers.Accept.ParseAdd("*/*;q=0.5");
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
                var status = (int)response.StatusCode;
                if (status is >= 300 and < 400 && response.Headers.Location is { } location)
                {
                    if (redirects == MaxRedirects)
                        throw Refused($"{target.Host} redirects more than {MaxRedirects} times.");
                    target = Target(location.OriginalString, target);
                    continue;
                }
                if (!response.IsSuccessStatusCode)
                    throw Refused($"{target.Host} answered {status} {response.ReasonPhrase}.");
                return await Body(response, target, deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw Refused($"No complete answer from {target.Host} within {_timeout.TotalSeconds:0} s.");
        }
        catch (HttpRequestException e)
        {
            throw Refused($"{target.Host} could not be fetched: {(e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message)}");
        }
        catch (IOException e)
        {
            throw Refused($"{target.Host} broke the connection: {e.Message}");
        }
    }

    /// <summary>The URL (or a redirect's Location, relative to where it came from), if the guard lets it be fetched.</summary>
    private Uri Target(string text, Uri? from)
    {
        Uri? uri;
        var parsed = from is null ? Uri.TryCreate(text, UriKind.Absolute, out uri) : Uri.TryCreate(from, text, out uri);
        var what = from is null ? "ical_url" : $"The redirect from {from.Host}";
        if (!parsed || uri is null || uri.Scheme is not ("http" or "https"))
            throw Refused($"{what} is not an absolute http(s) address.");
        if (uri.Scheme == Uri.UriSchemeHttp && !_allowPlainHttp)
            throw Refused($"{what} must use https://: a calendar fetched in the clear could be altered on its way.");
        if (!string.IsNullOrEmpty(uri.UserInfo))
            throw Refused($"{what} must not carry a user name or password.");
        return uri;
    }

    /// <summary>The body, refused past the cap whatever Content-Length says (it may be absent or lie).</summary>
    private static async Task<string> Body(HttpResponseMessage response, Uri target, CancellationToken cancellationToken)
    {
        const int max = CalendarLimits.MaxFetchedIcsBytes;
        if (response.Content.Headers.ContentLength > max) throw TooLarge(target);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[max + 1];
        var read = 0;
        int n;
        while (read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken)) > 0) read += n;
        if (read > max) throw TooLarge(target);
        var start = buffer.AsSpan(0, read).StartsWith(Utf8.Preamble) ? Utf8.Preamble.Length : 0;
        return Utf8.GetString(buffer, start, read - start);
    }

    private static DomainException TooLarge(Uri target) =>
        Refused($"The calendar at {target.Host} is larger than {CalendarLimits.MaxFetchedIcsBytes / (1024 * 1024)} MB.");

    private static DomainException Refused(string message) => DomainException.Unprocessable(message, "ical_url");

    public void Dispose() => _http.Dispose();
}
