using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Telegram.Bot;
using Telegram.Bot.Exceptions;
using Telegram.Bot.Types;
using Telegram.Bot.Types.Enums;
using Telegram.Bot.Types.ReplyMarkups;

namespace Zapnoty.Grains.Channels.Telegram;

/// <summary>How one call to the staff group went.</summary>
public abstract record StaffCall
{
    /// <summary>Done; <paramref name="Result"/> is what the call returns that we keep (a topic's thread id).</summary>
    public sealed record Done(string? Result) : StaffCall;
    /// <summary>Flood control: the same call again after the wait.</summary>
    public sealed record RetryAfter(TimeSpan Wait) : StaffCall;
    /// <summary>The bot can no longer act in the group (removed, demoted, chat gone).</summary>
    public sealed record Gone(string Reason) : StaffCall;
    /// <summary>Anything else; <paramref name="Permanent"/> ones are skipped, the others retried.</summary>
    public sealed record Failed(string Error, bool Permanent) : StaffCall;
}

/// <summary>
/// The Bot API calls of the staff group (forum topics, messages in a topic, member checks)
/// through Telegram.Bot, the library's own 429 retry off: the staff group's queue waits.
/// </summary>
public sealed class TelegramStaffClient(IOptions<TelegramOptions> options, ILogger<TelegramStaffClient> log) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = options.Value.RequestTimeout,
    };

    public Task<StaffCall> CreateTopic(string token, string chatId, string name, CancellationToken cancellationToken) =>
        Call(token, chatId, async (bot, chat) =>
            (await bot.CreateForumTopic(chat, TopicName(name), cancellationToken: cancellationToken)).MessageThreadId.ToString(CultureInfo.InvariantCulture));

    public Task<StaffCall> RenameTopic(string token, string chatId, int threadId, string name, CancellationToken cancellationToken) =>
        Call(token, chatId, async (bot, chat) =>
        {
            await bot.EditForumTopic(chat, threadId, TopicName(name), cancellationToken: cancellationToken);
            return null;
        });

    public Task<StaffCall> CloseTopic(string token, string chatId, int threadId, bool close, CancellationToken cancellationToken) =>
        Call(token, chatId, async (bot, chat) =>
        {
            if (close) await bot.CloseForumTopic(chat, threadId, cancellationToken);
            else await bot.ReopenForumTopic(chat, threadId, cancellationToken);
            return null;
        });

    /// <summary>Plain text (no parse mode: shown exactly as typed) in a topic, or in General when <paramref name="threadId"/> is null.</summary>
    public Task<StaffCall> Send(string token, string chatId, int? threadId, string text, IReadOnlyList<ChoiceButton>? buttons,
        CancellationToken cancellationToken) =>
        Call(token, chatId, async (bot, chat) =>
        {
            var markup = buttons is { Count: > 0 }
                ? new InlineKeyboardMarkup(buttons.Chunk(3).Select(row => row.Select(b => InlineKeyboardButton.WithCallbackData(b.Text, b.Data))))
                : null;
            var sent = await bot.SendMessage(chat, Fit(text, 4096), replyMarkup: markup, messageThreadId: threadId, cancellationToken: cancellationToken);
            return sent.Id.ToString(CultureInfo.InvariantCulture);
        });

    /// <summary>
    /// A message that opens the reply field (ForceReply): for the people it names only when
    /// <paramref name="selective"/>. Done with the message's id, to recognise the replies to it.
    /// </summary>
    public Task<StaffCall> SendPrompt(string token, string chatId, int? threadId, string text, bool selective, string placeholder,
        CancellationToken cancellationToken) =>
        Call(token, chatId, async (bot, chat) =>
        {
            var markup = new ForceReplyMarkup { Selective = selective, InputFieldPlaceholder = placeholder };
            var sent = await bot.SendMessage(chat, Fit(text, 4096), replyMarkup: markup, messageThreadId: threadId, cancellationToken: cancellationToken);
            return sent.Id.ToString(CultureInfo.InvariantCulture);
        });

    /// <summary>
    /// A file the customer sent, again by its file id (the same bot received it, so Telegram
    /// serves it without a download), with a caption; photos as photos, the rest as documents.
    /// </summary>
    public Task<StaffCall> SendFile(string token, string chatId, int threadId, Attachment file, string caption, CancellationToken cancellationToken) =>
        Call(token, chatId, async (bot, chat) =>
        {
            var input = InputFile.FromFileId(file.FileId);
            var sent = file.Kind == "photo"
                ? await bot.SendPhoto(chat, input, caption: Fit(caption, 1024), messageThreadId: threadId, cancellationToken: cancellationToken)
                : await bot.SendDocument(chat, input, caption: Fit(caption, 1024), messageThreadId: threadId, cancellationToken: cancellationToken);
            return sent.Id.ToString(CultureInfo.InvariantCulture);
        });

    /// <summary>Whether the person is an administrator (or the creator) of the group; null when Telegram would not say.</summary>
    public async Task<bool?> IsAdmin(string token, string chatId, string userId, CancellationToken cancellationToken)
    {
        if (!long.TryParse(userId, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var user)) return null;
        var outcome = await Call(token, chatId, async (bot, chat) =>
            (await bot.GetChatMember(chat, user, cancellationToken)).Status is ChatMemberStatus.Administrator or ChatMemberStatus.Creator ? "yes" : "no");
        return outcome is StaffCall.Done(var answer) ? answer == "yes" : null;
    }

    private async Task<StaffCall> Call(string token, string chatId, Func<TelegramBotClient, long, Task<string?>> call)
    {
        if (!TelegramBotToken.HasValidShape(token))
            return new StaffCall.Failed("The bot token is not a Telegram bot token.", Permanent: true);
        if (!long.TryParse(chatId, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var chat))
            return new StaffCall.Failed($"\"{chatId}\" is not a Telegram chat id.", Permanent: true);
        try
        {
            return new StaffCall.Done(await call(new TelegramBotClient(new TelegramBotClientOptions(token, options.Value.ApiBaseUrl)
                { RetryThreshold = 0, RetryCount = 0 }, _http), chat));
        }
        catch (ApiRequestException refused)
        {
            log.LogWarning("Telegram bot {BotId} in staff group {ChatId}: {ErrorCode} {Description}", TelegramBotToken.BotIdOf(token), chatId,
                refused.ErrorCode, refused.Message);
            return refused.ErrorCode switch
            {
                429 => new StaffCall.RetryAfter(TimeSpan.FromSeconds(refused.Parameters?.RetryAfter ?? 5)),
                // "bot was kicked from the supergroup chat", "not enough rights to manage topics", "chat not found".
                403 => new StaffCall.Gone(refused.Message),
                400 when refused.Message.Contains("chat not found", StringComparison.OrdinalIgnoreCase)
                    || refused.Message.Contains("not enough rights", StringComparison.OrdinalIgnoreCase) => new StaffCall.Gone(refused.Message),
                400 or 401 or 404 => new StaffCall.Failed(refused.Message, Permanent: true),
                _ => new StaffCall.Failed(refused.Message, Permanent: false),
            };
        }
        catch (RequestException unreachable)
        {
            log.LogWarning(unreachable, "Telegram bot {BotId} could not reach Telegram for staff group {ChatId}", TelegramBotToken.BotIdOf(token), chatId);
            return new StaffCall.Failed(unreachable.Message, Permanent: false);
        }
    }

    /// <summary>Topic names are 1–128 characters.</summary>
    private static string TopicName(string name) => Fit(name, 128);

    private static string Fit(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    public void Dispose() => _http.Dispose();
}
