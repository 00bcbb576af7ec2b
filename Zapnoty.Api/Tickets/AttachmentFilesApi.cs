using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.Logging;
using Zapnoty.Api.Problems;
using Zapnoty.Grains.Channels;
using Zapnoty.Grains.Files;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Api.Tickets;

/// <summary>
/// A file a customer sent through a messenger, streamed from the messenger to the caller (viewer
/// and up) as it arrives: nothing is stored, nothing is held whole in memory. A file an agent
/// sent comes from the file store instead (PostgreSQL or S3), as a file of the ticket's project. Mapped in
/// <see cref="TicketsApi"/>, under the ticket.
/// </summary>
public static class AttachmentFilesApi
{
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    /// <summary>
    /// Attachment <c>index</c> (from 0, as listed in the message's <c>attachments</c>) of a
    /// message, as a download (<c>Content-Disposition: attachment</c> with the file's name).
    /// 404 unknown message or index · 409 the bot it came through is no longer connected ·
    /// 422 too large for the messenger to hand to a bot (Telegram: 20 MB) · 502 the messenger failed.
    /// </summary>
    public static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> Download(Guid ticketId, Guid messageId, int index, HttpContext http,
        IGrainFactory grains, CustomerFiles files, FileStore stored, Access.Caller caller, ILoggerFactory logs, CancellationToken cancellationToken)
    {
        var file = await grains.GetGrain<ITicketGrain>(ticketId).Attachment(messageId, index);
        if (file.Attachment.StoredId is { } storedId)
        {
            // A file an agent sent: from our file store, and only as a file of the caller's project.
            if (await stored.Open(caller.ProjectId, storedId, cancellationToken) is not { } kept)
                return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: Titles.For(404), detail: "The file is no longer stored.");
            return Served(http, kept.Content, kept.File.ContentType, kept.File.Size, kept.File.Name);
        }
        var outcome = await files.Open(file, cancellationToken);
        if (outcome is not AttachmentDownload.Opened opened)
        {
            var (status, detail) = outcome switch
            {
                AttachmentDownload.TooLarge(var reason) => (StatusCodes.Status422UnprocessableEntity, reason),
                AttachmentDownload.NoSource(var reason) => (StatusCodes.Status404NotFound, reason),
                AttachmentDownload.Unavailable(var reason) => (StatusCodes.Status502BadGateway, reason),
                _ => (StatusCodes.Status500InternalServerError, "Unknown download outcome."),
            };
            logs.CreateLogger(typeof(AttachmentFilesApi)).LogWarning(
                "Attachment {Index} of message {MessageId} on ticket {TicketId} could not be fetched ({Status}): {Reason}", index, messageId, ticketId, status, detail);
            return TypedResults.Problem(statusCode: status, title: Titles.For(status), detail: detail);
        }

        var name = file.Attachment.FileName ?? opened.Name ?? file.Attachment.Kind;
        return Served(http, opened.Content, ContentTypeOf(file.Attachment, name, opened.ContentType), opened.Length, name);
    }

    private static FileStreamHttpResult Served(HttpContext http, Stream content, string contentType, long? length, string name)
    {
        // The file is someone else's, not ours: never sniffed into something runnable, never framed, no script even if opened directly.
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers.ContentSecurityPolicy = "default-src 'none'; sandbox";
        if (length is { } bytes) http.Response.ContentLength = bytes;
        return TypedResults.Stream(content, contentType, name);
    }

    /// <summary>
    /// What the customer's messenger said the file is, else what its name says, else what the file
    /// server said (Telegram's says application/octet-stream for everything), else a photo is a JPEG.
    /// </summary>
    private static string ContentTypeOf(Attachment attachment, string name, string? served)
    {
        if (!string.IsNullOrEmpty(attachment.MimeType)) return attachment.MimeType;
        if (ContentTypes.TryGetContentType(name, out var byName)) return byName;
        if (!string.IsNullOrEmpty(served) && served != "application/octet-stream") return served;
        return attachment.Kind == "photo" ? "image/jpeg" : "application/octet-stream";
    }
}
