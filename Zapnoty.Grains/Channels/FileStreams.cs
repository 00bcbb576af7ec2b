namespace Zapnoty.Grains.Channels;

/// <summary>Opening a file a messenger serves over plain HTTP GET, for streaming it on.</summary>
public static class FileStreams
{
    private const int MaxRedirects = 3;

    /// <summary>
    /// GETs <paramref name="url"/> and hands back its body as it arrives: only the headers are
    /// awaited (so the client's timeout bounds the wait for an answer, not the whole download),
    /// and then each wait for more of the body is bounded by that timeout too.
    /// Anything but a 2xx is <see cref="AttachmentDownload.Unavailable"/>, in <paramref name="messenger"/>'s name.
    /// A redirect is followed (by a client that does not follow them itself) only to an address
    /// <paramref name="mayFollow"/> accepts, so a trusted host cannot send us anywhere else.
    /// </summary>
    public static async Task<AttachmentDownload> Open(HttpClient http, Uri url, string messenger, string? name, CancellationToken cancellationToken,
        Func<Uri, bool>? mayFollow = null)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            for (var hops = 0; mayFollow is not null && IsRedirect(response) && hops < MaxRedirects; hops++)
            {
                var next = new Uri(url, response.Headers.Location!);
                response.Dispose();
                if (!mayFollow(next))
                    return new AttachmentDownload.NoSource($"{messenger} redirected the download to {next.Host}, which is not one of its file servers.");
                url = next;
                response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            }
        }
        catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return new AttachmentDownload.Unavailable(e is TaskCanceledException
                ? $"{messenger} did not start sending the file in time."
                : $"Could not reach {messenger} to fetch the file: {e.Message}");
        }
        if (!response.IsSuccessStatusCode)
        {
            var status = (int)response.StatusCode;
            response.Dispose();
            return new AttachmentDownload.Unavailable($"{messenger} answered HTTP {status} instead of the file.");
        }
        var content = response.Content;
        // The response itself is left to the stream: disposing the stream releases the connection.
        var body = await content.ReadAsStreamAsync(cancellationToken);
        return new AttachmentDownload.Opened(http.Timeout == Timeout.InfiniteTimeSpan ? body : new StallGuardStream(body, http.Timeout), content.Headers.ContentType?.MediaType,
            content.Headers.ContentLength, name);
    }

    private static bool IsRedirect(HttpResponseMessage response) =>
        (int)response.StatusCode is 301 or 302 or 303 or 307 or 308 && response.Headers.Location is not null;
}
