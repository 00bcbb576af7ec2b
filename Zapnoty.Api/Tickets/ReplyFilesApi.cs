using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Zapnoty.Api.Access;
using Zapnoty.Api.Problems;
using Zapnoty.Grains;
using Zapnoty.Grains.Cluster;
using Zapnoty.Grains.Files;
using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Team;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Api.Tickets;

/// <summary>
/// <c>POST /v1/helpdesk/tickets/{ticketId}/replies</c> as <c>multipart/form-data</c>: <c>text</c>
/// (optional when there are files) and one or more <c>files</c>. Each file streams straight into
/// the file store as it arrives (never whole in memory); the reply then attaches them in its own
/// transaction. Whatever refuses the reply (limits, 402 out of credits, a closed ticket, a stale
/// <c>expected_last_message_id</c>, a repeat of an <c>Idempotency-Key</c>) deletes the files already
/// stored, so nothing is kept or sent twice. The JSON form of the route is <see cref="TicketsApi"/>'s;
/// routing picks by Content-Type.
/// </summary>
public static class ReplyFilesApi
{
    public const string FormContentType = "multipart/form-data";
    public const string ExpectedLastMessageIdField = "expected_last_message_id";

    /// <summary>The form's fields, for the API description: <c>text</c>, <c>expected_last_message_id</c> and the repeated <c>files</c>.</summary>
    public sealed record ReplyForm(string? Text, IFormFileCollection? Files, Guid? ExpectedLastMessageId);

    public static RouteHandlerBuilder MapReplyWithFiles(this RouteGroupBuilder ticket) =>
        ticket.MapPost("/replies", ReplyWithFiles).RequireRole(ProjectRole.Support)
            .Accepts<ReplyForm>(FormContentType)
            // After the JSON endpoint: a request without a Content-Type matches both, and must get the JSON form's 415, not an ambiguity.
            .WithOrder(1)
            // Described on the JSON operation of the same route (one path and method, two bodies).
            .ExcludeFromDescription()
            .ProducesProblems(StatusCodes.Status402PaymentRequired, StatusCodes.Status409Conflict, StatusCodes.Status413PayloadTooLarge,
                StatusCodes.Status422UnprocessableEntity);

    /// <summary>
    /// An agent's reply with files. 413: one file over 50 MB, or the request over
    /// <c>Zapnoty:Files:MaxReplyBytes</c> (refused from its Content-Length before the body is read) ·
    /// 422: more than 10 files, an empty file, a part that is neither <c>text</c> nor <c>files</c> ·
    /// 402 out of credits (one credit per reply, however many files) · 409 with <c>newer_messages</c> when
    /// <c>expected_last_message_id</c> is not the latest message. <c>Idempotency-Key</c> as on the JSON
    /// form: a repeat answers the stored reply (its files are stored once, sent once).
    /// </summary>
    private static async Task<Results<Created<MessageDto>, ProblemHttpResult>> ReplyWithFiles(Guid ticketId, HttpContext http, Caller caller,
        IGrainFactory grains, FileStore store, IOptions<StoredFileOptions> options, IdempotencyKeys keys, TicketStore messages, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        // A malformed key answers 400 before anything is read or stored.
        var clientKey = IdempotencyKeyHeader.ClientKey(http.Request);
        var limit = options.Value.MaxReplyBytes;
        if (http.Request.ContentLength > limit)
            return TooLarge($"A reply with files may be at most {Megabytes(limit)} MB in all; this request is {Megabytes(http.Request.ContentLength.Value)} MB.");
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize) bodySize.MaxRequestBodySize = limit;
        if (!MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var mediaType)
            || HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value is not { Length: > 0 and <= 200 } boundary)
            throw new ValidationFailed(Validation.Problem("files", "A multipart/form-data body needs its boundary in the Content-Type."));

        var stored = new List<StoredFile>();
        var committed = false;
        using var fingerprint = new FormFingerprint(http.Request);
        try
        {
            string? text = null;
            Guid? expectedLastMessageId = null;
            var reader = new MultipartReader(boundary, http.Request.Body);
            while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
                    return Unprocessable("files", "Every part of the form needs a Content-Disposition: form-data header with its name.");
                var field = HeaderUtilities.RemoveQuotes(disposition.Name).Value;
                if (disposition.IsFileDisposition() && field is "files" or "file")
                {
                    if (stored.Count == FileLimits.MaxFilesPerReply)
                        return Unprocessable("files", $"A reply takes at most {FileLimits.MaxFilesPerReply} files.");
                    var name = disposition.FileNameStar.HasValue ? disposition.FileNameStar.Value : HeaderUtilities.RemoveQuotes(disposition.FileName).Value;
                    var content = fingerprint.Part(field, name, section.ContentType, section.Body);
                    stored.Add(await store.Save(caller.ProjectId, name, section.ContentType, content, FileLimits.MaxFileBytes, cancellationToken));
                }
                else if (field == "text" && !disposition.IsFileDisposition())
                    text = await ReadField(fingerprint.Part(field, null, null, section.Body), field, TicketLimits.MaxTextLength, cancellationToken);
                else if (field == ExpectedLastMessageIdField && !disposition.IsFileDisposition())
                    expectedLastMessageId = Guid.TryParse(await ReadField(fingerprint.Part(field, null, null, section.Body), field, 64, cancellationToken), out var id) ? id
                        : throw new ValidationFailed(Validation.Problem(field, $"{field} must be a message id (a UUID)."));
                else
                    return Unprocessable(field ?? "files", $"Unknown form field \"{field}\": send text, files and {ExpectedLastMessageIdField}.");
            }

            // With files, a blank text is no text; without, the text is required as in the JSON form.
            var replyText = stored.Count > 0 && string.IsNullOrWhiteSpace(text) ? "" : text;
            if (replyText is null)
                throw new ValidationFailed(Validation.Problem("text", "Send text, files, or both."));
            var key = clientKey is null ? WriteKey.Generated() : IdempotencyKeyHeader.ForClient(clientKey, fingerprint.Finish());
            // A repeat of a finished reply answers it (or 422 for another form); this request's files go (finally).
            if (await TicketsApi.Replayed(http, keys, messages, caller, ticketId, key, clock) is { } replayed)
                return TypedResults.Created($"/v1/helpdesk/tickets/{ticketId}", MessageDto.From(replayed));
            var message = await grains.GetGrain<ITicketGrain>(ticketId).Reply(
                new AgentReply(caller.Actor, replyText, key, stored.Select(f => f.ToAttachment()).ToList(), expectedLastMessageId));
            // A repeat that raced the first to the grain gets the first's reply, without these files: they go (finally).
            committed = stored.Count == 0 || message.Attachments?.Any(a => a.StoredId == stored[0].Id) == true;
            if (!committed) http.Response.Headers[IdempotencyKeyHeader.ReplayedHeader] = "true";
            return TypedResults.Created($"/v1/helpdesk/tickets/{ticketId}", MessageDto.From(message));
        }
        catch (FileTooLargeException e)
        {
            return TooLarge(e.Message + " Share a link to it instead, or send it in parts.");
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge($"A reply with files may be at most {Megabytes(limit)} MB in all.");
        }
        catch (DomainException e) when (e is { Kind: DomainErrorKind.Invalid, Field: "files" })
        {
            return Unprocessable("files", e.Message);
        }
        finally
        {
            if (!committed) await store.Delete(stored, CancellationToken.None);
        }
    }

    /// <summary>A field part, read to its end and bounded: UTF-8 takes at most 4 bytes a character, so more is too long.</summary>
    private static async Task<string> ReadField(Stream body, string field, int maxCharacters, CancellationToken cancellationToken)
    {
        var buffer = new byte[maxCharacters * 4 + 1];
        var read = await body.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
        if (read == buffer.Length)
            throw new ValidationFailed(Validation.Problem(field, $"The field {field} must be at most {maxCharacters} characters."));
        return System.Text.Encoding.UTF8.GetString(buffer, 0, read);
    }

    private static long Megabytes(long bytes) => (bytes + 1024 * 1024 - 1) / (1024 * 1024);

    private static ProblemHttpResult TooLarge(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: Titles.For(413), detail: detail);

    private static ProblemHttpResult Unprocessable(string field, string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: Titles.For(422), detail: detail,
            extensions: new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [field] = [detail] } });
}
