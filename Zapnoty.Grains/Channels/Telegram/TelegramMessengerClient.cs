using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Telegram.Bot;
using Telegram.Bot.Exceptions;
using Telegram.Bot.Types;
using Telegram.Bot.Types.Enums;
using Telegram.Bot.Types.ReplyMarkups;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Channels.Telegram;

/// <summary>
/// The Telegram Bot API through Telegram.Bot: one light bot client per call, all sharing one
/// <see cref="HttpClient"/>. The library's own 429 retry is off: it would wait inside the call
/// (up to a minute, holding a grain turn), and our delivery queue does the waiting instead.
/// </summary>
public sealed partial class TelegramMessengerClient : IMessengerClient, IDisposable
{
    /// <summary>Telegram's limit on a button's callback_data, in UTF-8 bytes.</summary>
    public const int MaxCallbackDataBytes = 64;

    /// <summary>
    /// What a helpdesk bot needs; everything else (group joins, reactions, polls) stays at Telegram.
    /// my_chat_member says when a customer blocks or unblocks the bot.
    /// </summary>
    private static readonly UpdateType[] WantedUpdates = [UpdateType.Message, UpdateType.EditedMessage, UpdateType.CallbackQuery, UpdateType.MyChatMember];

    /// <summary>Bots may download files of up to 20 MB (getFile answers 400 "file is too big" beyond).</summary>
    public const long MaxDownloadBytes = 20L * 1024 * 1024;

    /// <summary>Telegram sends retry_after with every 429; should it ever not, this is a cautious guess.</summary>
    private static readonly TimeSpan RetryAfterWhenUnsaid = TimeSpan.FromSeconds(5);

    [GeneratedRegex("^[A-Za-z0-9_-]{1,256}$")]
    private static partial Regex WebhookSecretShape();

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex DeepLinkPayloadShape();

    [GeneratedRegex("^[A-Za-z0-9_]{1,64}$")]
    private static partial Regex BotUsernameShape();

    private readonly HttpClient _http;
    private readonly string _apiBaseUrl;
    private readonly ILogger<TelegramMessengerClient> _log;

    public TelegramMessengerClient(IOptions<TelegramOptions> options, ILogger<TelegramMessengerClient> log)
    {
        var settings = options.Value;
        _apiBaseUrl = settings.ApiBaseUrl;
        _log = log;
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = settings.RequestTimeout,
        };
    }

    public Channel Channel => Channel.Telegram;

    public async Task<BotIdentity> Identify(string token, CancellationToken cancellationToken)
    {
        RequireTokenShape(token);
        try
        {
            var me = await BotFor(token).GetMe(cancellationToken);
            var username = me.Username ?? throw new InvalidOperationException($"Telegram's getMe for bot {me.Id} has no username.");
            return new BotIdentity(me.Id.ToString(CultureInfo.InvariantCulture), username);
        }
        catch (ApiRequestException refused) when (IsTokenRefusal(refused))
        {
            throw TokenRefused();
        }
    }

    public async Task Subscribe(string token, string webhookUrl, string secret, CancellationToken cancellationToken)
    {
        RequireTokenShape(token);
        // Telegram would refuse other secrets with a 400; saying so here names the real culprit (our caller).
        if (!WebhookSecretShape().IsMatch(secret))
            throw new ArgumentException("A webhook secret is 1 to 256 characters of A-Z, a-z, 0-9, _ and -.", nameof(secret));
        try
        {
            await BotFor(token).SetWebhook(webhookUrl, allowedUpdates: WantedUpdates, dropPendingUpdates: false, secretToken: secret,
                cancellationToken: cancellationToken);
        }
        catch (ApiRequestException refused) when (IsTokenRefusal(refused))
        {
            throw TokenRefused();
        }
        _log.LogInformation("Telegram bot {BotId} now posts its updates to {WebhookUrl}", TelegramBotToken.BotIdOf(token), webhookUrl);
    }

    /// <summary>
    /// Removes the webhook, but only if it is still ours: a customer who has since pointed the
    /// bot at another service keeps it working there. A revoked token has nothing left to remove.
    /// </summary>
    public async Task Unsubscribe(string token, string webhookUrl, CancellationToken cancellationToken)
    {
        if (!TelegramBotToken.HasValidShape(token))
        {
            _log.LogWarning("Not unsubscribing a Telegram bot whose token is not a bot token");
            return;
        }
        var botId = TelegramBotToken.BotIdOf(token);
        var bot = BotFor(token);
        try
        {
            var current = await bot.GetWebhookInfo(cancellationToken);
            if (string.IsNullOrEmpty(current.Url))
                return;
            if (current.Url != webhookUrl)
            {
                _log.LogInformation("Telegram bot {BotId} posts to {CurrentUrl}, not to {WebhookUrl}: its webhook is left alone",
                    botId, current.Url, webhookUrl);
                return;
            }
            await bot.DeleteWebhook(dropPendingUpdates: false, cancellationToken);
            _log.LogInformation("Telegram bot {BotId} no longer posts its updates to {WebhookUrl}", botId, webhookUrl);
        }
        catch (ApiRequestException refused) when (IsTokenRefusal(refused))
        {
            _log.LogWarning("Telegram refuses the token of bot {BotId} ({ErrorCode} {Description}); nothing left to unsubscribe",
                botId, refused.ErrorCode, refused.Message);
        }
    }

    public async Task<SendOutcome> Send(string token, OutgoingMessage message, CancellationToken cancellationToken)
    {
        if (BadCallbackData(message.Buttons) is { } refusal)
            return refusal;
        // No parse_mode: the text is shown exactly as typed, with no markup to escape or to break.
        return await Deliver(token, message.ChatId, (bot, chatId) =>
            bot.SendMessage(chatId, message.Text, replyMarkup: KeyboardOf(message.Buttons), cancellationToken: cancellationToken), cancellationToken);
    }

    /// <summary>
    /// sendPhoto for a photo, sendDocument for anything else, uploaded as multipart from the stream;
    /// the text (at most 1024 characters, see <see cref="Files.FileLimits.TelegramCaptionLength"/>) as the caption.
    /// </summary>
    public Task<SendOutcome> SendFile(string token, OutgoingMessage message, Attachment file, Stream content, CancellationToken cancellationToken)
    {
        var caption = string.IsNullOrEmpty(message.Text) ? null : message.Text;
        var upload = InputFile.FromStream(content, file.FileName ?? Files.FileNames.Fallback);
        return Deliver(token, message.ChatId, (bot, chatId) => file.Kind == "photo"
            ? bot.SendPhoto(chatId, upload, caption: caption, cancellationToken: cancellationToken)
            : bot.SendDocument(chatId, upload, caption: caption, cancellationToken: cancellationToken), cancellationToken);
    }

    /// <summary>One send call, its answer mapped to an outcome the delivery queue acts on.</summary>
    private async Task<SendOutcome> Deliver(string token, string chat, Func<TelegramBotClient, long, Task<Message>> send, CancellationToken cancellationToken)
    {
        if (!TelegramBotToken.HasValidShape(token))
            return new SendOutcome.Failed("The bot token is not a Telegram bot token.", Permanent: true);
        if (!long.TryParse(chat, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var chatId))
            return new SendOutcome.Failed($"\"{chat}\" is not a Telegram chat id.", Permanent: true);

        var botId = TelegramBotToken.BotIdOf(token);
        try
        {
            var sent = await send(BotFor(token), chatId);
            return new SendOutcome.Sent(sent.Id.ToString(CultureInfo.InvariantCulture));
        }
        catch (ApiRequestException refused)
        {
            var outcome = OutcomeOf(refused);
            _log.LogWarning("Telegram bot {BotId} could not send to chat {ChatId}: {ErrorCode} {Description} ({Outcome})",
                botId, chatId, refused.ErrorCode, refused.Message, outcome);
            return outcome;
        }
        catch (RequestException unreachable) when (!cancellationToken.IsCancellationRequested)
        {
            // No Bot API answer at all: a timeout, a network failure, or a proxy's non-JSON error page.
            var error = unreachable.HttpStatusCode is { } status
                ? $"Telegram answered HTTP {(int)status} without a Bot API error: {unreachable.Message}"
                : unreachable.Message;
            _log.LogWarning(unreachable, "Telegram bot {BotId} could not reach Telegram to send to chat {ChatId}", botId, chatId);
            return new SendOutcome.Failed(error, Permanent: false);
        }
    }

    /// <summary>
    /// getFile through Telegram.Bot, then the file endpoint (<c>/file/bot{token}/{file_path}</c>),
    /// streamed. A file known to be over 20 MB is refused before asking: Telegram would refuse it.
    /// </summary>
    public async Task<AttachmentDownload> OpenAttachment(string token, Attachment attachment, CancellationToken cancellationToken)
    {
        if (!TelegramBotToken.HasValidShape(token))
            return new AttachmentDownload.Unavailable("The bot token is not a Telegram bot token.");
        if (attachment.Size > MaxDownloadBytes)
            return TooLarge(attachment.Size.Value);

        var options = OptionsFor(token);
        TGFile file;
        try
        {
            file = await new TelegramBotClient(options, _http).GetFile(attachment.FileId, cancellationToken);
        }
        catch (ApiRequestException refused) when (refused.Message.Contains("file is too big", StringComparison.OrdinalIgnoreCase))
        {
            return TooLarge(attachment.Size);
        }
        catch (ApiRequestException refused)
        {
            _log.LogWarning("Telegram bot {BotId} could not get file {FileId}: {ErrorCode} {Description}",
                TelegramBotToken.BotIdOf(token), attachment.FileId, refused.ErrorCode, refused.Message);
            return new AttachmentDownload.Unavailable($"Telegram would not give the file: {refused.Message}");
        }
        catch (RequestException unreachable) when (!cancellationToken.IsCancellationRequested)
        {
            return new AttachmentDownload.Unavailable($"Could not reach Telegram to fetch the file: {unreachable.Message}");
        }
        if (file.FileSize > MaxDownloadBytes)
            return TooLarge(file.FileSize.Value);
        if (string.IsNullOrEmpty(file.FilePath))
            return new AttachmentDownload.Unavailable("Telegram gave no download path for the file.");
        // The path is Telegram's (e.g. photos/file_12.jpg), appended as it is: it is already URL-safe and its slashes are real.
        return await FileStreams.Open(_http, new Uri($"{options.BaseFileUrl}/{file.FilePath}"), "Telegram", file.FilePath.Split('/')[^1],
            cancellationToken);
    }

    /// <summary>A stale or repeated press must not break anything, so failures are only logged.</summary>
    public async Task AnswerCallback(string token, string callbackId, string? notice, CancellationToken cancellationToken)
    {
        if (!TelegramBotToken.HasValidShape(token))
        {
            _log.LogWarning("Not answering callback {CallbackId}: the token is not a bot token", callbackId);
            return;
        }
        try
        {
            await BotFor(token).AnswerCallbackQuery(callbackId, text: notice, cancellationToken: cancellationToken);
        }
        catch (RequestException failed) when (!cancellationToken.IsCancellationRequested)
        {
            _log.LogWarning("Telegram bot {BotId} could not answer callback {CallbackId}: {Error}",
                TelegramBotToken.BotIdOf(token), callbackId, failed.Message);
        }
    }

    /// <summary><c>sendChatAction</c> "typing": shown for 5 s or until the bot's next message.</summary>
    public async Task Typing(string token, string chatId, CancellationToken cancellationToken)
    {
        if (!TelegramBotToken.HasValidShape(token) || !long.TryParse(chatId, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var chat))
            return;
        try
        {
            await BotFor(token).SendChatAction(chat, ChatAction.Typing, cancellationToken: cancellationToken);
        }
        catch (RequestException failed) when (!cancellationToken.IsCancellationRequested)
        {
            _log.LogInformation("Telegram bot {BotId} could not show typing in chat {ChatId}: {Error}", TelegramBotToken.BotIdOf(token), chatId, failed.Message);
        }
    }

    public string DeepLink(string username, string payload)
    {
        var name = username.TrimStart('@');
        if (!BotUsernameShape().IsMatch(name))
            throw new ArgumentException($"\"{username}\" is not a Telegram bot username.", nameof(username));
        // Telegram passes on only these characters; anything else would silently start the bot without a payload.
        if (!DeepLinkPayloadShape().IsMatch(payload))
            throw new ArgumentException("A deep link payload is 1 to 64 characters of A-Z, a-z, 0-9, _ and -.", nameof(payload));
        return $"https://t.me/{name}?start={payload}";
    }

    public void Dispose() => _http.Dispose();

    private TelegramBotClient BotFor(string token) => new(OptionsFor(token), _http);

    private TelegramBotClientOptions OptionsFor(string token) => new(token, _apiBaseUrl) { RetryThreshold = 0, RetryCount = 0 };

    private static AttachmentDownload.TooLarge TooLarge(long? size) => new(
        $"Telegram lets bots download files of up to 20 MB{(size is { } bytes ? $"; this one is {bytes / 1024.0 / 1024.0:0.0} MB" : "")}. " +
        "Ask the customer to send it another way (a link, or in parts).");

    private static void RequireTokenShape(string token)
    {
        if (!TelegramBotToken.HasValidShape(token))
            throw DomainException.Invalid("bot_token",
                "This is not a Telegram bot token. A token looks like 123456789:AAHk2x... (the bot id, a colon, then the secret), as @BotFather gives it.");
    }

    /// <summary>Telegram answers 401 to a revoked or mistyped token, and 404 to some malformed ones.</summary>
    private static bool IsTokenRefusal(ApiRequestException refused) => refused.ErrorCode is 401 or 404;

    private static DomainException TokenRefused() =>
        DomainException.Invalid("bot_token", "Telegram does not accept this bot token: it was mistyped or has been revoked. Copy the current one from @BotFather.");

    private static SendOutcome OutcomeOf(ApiRequestException refused) => refused.ErrorCode switch
    {
        429 => new SendOutcome.RetryAfter(refused.Parameters?.RetryAfter is int seconds ? TimeSpan.FromSeconds(seconds) : RetryAfterWhenUnsaid),
        // "bot was blocked by the user", "user is deactivated": nothing will reach this person.
        403 => new SendOutcome.Blocked(refused.Message),
        // The same message would be refused again (chat not found, text too long, bad button).
        400 => new SendOutcome.Failed(refused.Message, Permanent: true),
        // Every later send with this token would be refused too, until someone replaces it.
        401 or 404 => new SendOutcome.Failed($"Telegram refuses the bot token: {refused.Message}", Permanent: true),
        // 5xx, and anything Telegram has not documented: worth another try later.
        _ => new SendOutcome.Failed(refused.Message, Permanent: false),
    };

    private static SendOutcome.Failed? BadCallbackData(IReadOnlyList<ChoiceButton>? buttons)
    {
        foreach (var button in buttons ?? [])
        {
            var bytes = Encoding.UTF8.GetByteCount(button.Data);
            if (bytes is 0 or > MaxCallbackDataBytes)
                return new SendOutcome.Failed(
                    $"The button \"{button.Text}\" carries {bytes} bytes of callback data; Telegram takes 1 to {MaxCallbackDataBytes}.", Permanent: true);
        }
        return null;
    }

    /// <summary>One button per row: choices read as a list, and long labels are not cut.</summary>
    private static InlineKeyboardMarkup? KeyboardOf(IReadOnlyList<ChoiceButton>? buttons) =>
        buttons is { Count: > 0 }
            ? new InlineKeyboardMarkup(buttons.Select(b => new[] { InlineKeyboardButton.WithCallbackData(b.Text, b.Data) }))
            : null;
}
