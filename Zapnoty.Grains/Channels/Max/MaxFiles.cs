using Microsoft.Extensions.Options;

namespace Zapnoty.Grains.Channels.Max;

/// <summary>
/// Fetches attachment files from Max's file servers, by the URL the attachment's payload gave.
/// Only Max's own hosts are fetched (<see cref="MaxOptions.FileHosts"/>), and the client does not
/// follow redirects by itself: each hop is checked against the same list. No token is sent:
/// the URL is the authorisation, and the bot's token must never reach a file server.
/// </summary>
public sealed class MaxFiles(HttpClient http, IOptions<MaxOptions> options)
{
    public Task<AttachmentDownload> Open(Attachment attachment, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!Uri.TryCreate(attachment.Url, UriKind.Absolute, out var url) || !settings.IsFileAddress(url))
            return Task.FromResult<AttachmentDownload>(new AttachmentDownload.NoSource(
                "Max gave no address on its own file servers for this file, so it cannot be fetched."));
        return FileStreams.Open(http, url, "Max", attachment.FileName, cancellationToken, settings.IsFileAddress);
    }

    /// <summary>Files go only to an upload address on Max's own servers (or its API server), never to one a response could point anywhere.</summary>
    public bool MayUploadTo(Uri url) => options.Value.IsFileAddress(url);
}
