using Microsoft.Extensions.Logging;
using Zapnoty.Grains.Channels.Telegram;
using Zapnoty.Grains.Files;
using Zapnoty.Grains.Storage;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Channels.StaffGroup;

/// <summary>An agent's files sent in a topic, and the note prompt (a reply to it is an internal note).</summary>
public sealed partial class StaffGroupGrain
{
    /// <summary>
    /// The message's files, fetched from Telegram through the group's bot as a customer's are
    /// (getFile and the file URL, bots get at most 20 MB) and streamed into the file store, where a
    /// dashboard reply's files go. Null when one could not be: the topic is told why, the files
    /// already stored are deleted, and nothing (not even the caption) goes to the customer.
    /// </summary>
    private async Task<List<StoredFile>?> StoreFiles(GroupUpdate g)
    {
        var stored = new List<StoredFile>();
        string? refusal = null;
        try
        {
            foreach (var file in g.Update.Attachments.Take(FileLimits.MaxFilesPerReply))
            {
                var outcome = await telegramFiles.Open(new CustomerFile(file, new ChatRoute(g.Bot.Id, g.Update.ChatId)), CancellationToken.None);
                if (outcome is not AttachmentDownload.Opened opened)
                {
                    refusal = outcome switch
                    {
                        AttachmentDownload.TooLarge => StaffGroupTexts.FileTooLarge(file.Size),
                        AttachmentDownload.NoSource(var reason) => StaffGroupTexts.FileUnavailable(reason),
                        AttachmentDownload.Unavailable(var reason) => StaffGroupTexts.FileUnavailable(reason),
                        _ => StaffGroupTexts.FileUnavailable("unknown outcome"),
                    };
                    break;
                }
                await using (opened.Content)
                    stored.Add(await files.Save(ProjectId, file.FileName ?? opened.Name, file.MimeType ?? opened.ContentType, opened.Content,
                        FileLimits.MaxFileBytes, CancellationToken.None));
            }
        }
        catch (FileTooLargeException)
        {
            refusal = StaffGroupTexts.FileTooLarge(null);
        }
        catch
        {
            await files.Delete(stored, CancellationToken.None);
            throw;
        }
        if (refusal is null) return stored;
        await files.Delete(stored, CancellationToken.None);
        log.LogInformation("Staff group of project {ProjectId}: a file from Telegram user {TelegramUserId} was not sent: {Refusal}", ProjectId,
            g.Update.User.Id, refusal);
        await Say(g, refusal);
        return null;
    }

    /// <summary>
    /// The Note button: the bot asks in the topic for a reply (ForceReply, to the person who pressed
    /// it when they have a @username). A reply to that message of the bot becomes an internal note.
    /// </summary>
    private async Task AskForNote(GroupUpdate g, Guid ticketId)
    {
        int? thread = int.TryParse(g.Update.ThreadId, out var t) ? t : null;
        var asked = await telegram.SendPrompt(clients.TokenOf(g.Bot), g.Group.ChatId, thread, StaffGroupTexts.NotePrompt(g.Update.User.Username),
            selective: g.Update.User.Username is not null, StaffGroupTexts.NotePlaceholder, CancellationToken.None);
        _recentCalls.Enqueue(clock.GetUtcNow());
        switch (asked)
        {
            case StaffCall.Done({ } messageId):
                await store.MarkNotePrompt(ProjectId, g.Group.ChatId, messageId, ticketId, clock.StoredNow(), CancellationToken.None);
                break;
            case StaffCall.Gone(var reason):
                await Broken(reason);
                break;
        }
    }

    /// <summary>Whether the message replies to the bot's note prompt of this ticket.</summary>
    private async Task<bool> AnswersNotePrompt(GroupUpdate g, Guid ticketId) =>
        g.Update.ReplyToMessageId is { } replied
        && await store.TicketOfNotePrompt(ProjectId, g.Group.ChatId, replied, CancellationToken.None) == ticketId;
}
