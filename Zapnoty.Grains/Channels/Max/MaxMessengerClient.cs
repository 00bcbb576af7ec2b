using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Channels.Max;

/// <summary>
/// The Max Bot API over a typed <see cref="HttpClient"/> (no .NET client for it exists). The
/// token travels in the <c>Authorization</c> header, bare, as Max wants it (it refuses tokens in
/// the query). Sends go to the customer's user id (see <see cref="MaxUpdates"/>) as plain text.
/// Nothing here retries a send: the delivery queue decides, so a message never goes out twice.
/// </summary>
public sealed partial class MaxMessengerClient(HttpClient http, MaxFiles files, ILogger<MaxMessengerClient> log) : IMessengerClient
{
    /// <summary>
    /// Max's limit on a message's text. Agent replies may be up to 4096 characters: a longer one
    /// fails permanently with this reason rather than being split, because two messages from one
    /// outbox entry could not be retried without sending the first part twice.
    /// </summary>
    public const int MaxTextLength = 4000;

    public const int MaxButtonTextLength = 128;
    public const int MaxButtonPayloadLength = 1024;

    /// <summary>Max's 429 need not say how long to wait; its limits are per second, so a second is the natural guess.</summary>
    private static readonly TimeSpan RetryAfterWhenUnsaid = TimeSpan.FromSeconds(1);

    [GeneratedRegex("^[A-Za-z0-9_-]{5,256}$")]
    private static partial Regex WebhookSecretShape();

    /// <summary>Max passes on payloads of up to 128 characters; longer ones silently start the bot without one.</summary>
    [GeneratedRegex("^[A-Za-z0-9_-]{1,128}$")]
    private static partial Regex DeepLinkPayloadShape();

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,64}$")]
    private static partial Regex BotUsernameShape();

    public Channel Channel => Channel.Max;

    public async Task<BotIdentity> Identify(string token, CancellationToken cancellationToken)
    {
        RequireTokenShape(token);
        var answer = await Call(HttpMethod.Get, "me", token, body: null, cancellationToken);
        if (answer.Status is 401 or 403)
            throw TokenRefused();
        answer.EnsureSuccess("GET /me");
        var me = answer.Read<MaxUser>();
        if (me is not { UserId: > 0 })
            throw new InvalidOperationException("Max's GET /me answered without a bot id.");
        // Checked now, before the bot is stored: a username no deep link can carry would break every later listing of the channels.
        if (me.Username is not { } username || !BotUsernameShape().IsMatch(username))
            throw new InvalidOperationException($"Max's GET /me for bot {me.UserId} has no usable username (\"{me.Username}\").");
        return new BotIdentity(me.UserId.ToString(CultureInfo.InvariantCulture), username);
    }

    public async Task Subscribe(string token, string webhookUrl, string secret, CancellationToken cancellationToken)
    {
        RequireTokenShape(token);
        // Max would refuse other secrets with a 400; saying so here names the real culprit (our caller).
        if (!WebhookSecretShape().IsMatch(secret))
            throw new ArgumentException("A Max webhook secret is 5 to 256 characters of A-Z, a-z, 0-9, _ and -.", nameof(secret));
        var answer = await Call(HttpMethod.Post, "subscriptions", token, new MaxSubscriptionRequest(webhookUrl, MaxUpdates.Wanted, secret),
            cancellationToken);
        if (answer.Status is 401 or 403)
            throw TokenRefused();
        answer.EnsureDone("POST /subscriptions");
        log.LogInformation("A Max bot now posts its updates to {WebhookUrl}", webhookUrl);
    }

    /// <summary>
    /// Removes our subscription only (by its URL): any other subscription the bot has stays. A
    /// revoked token has nothing left to remove.
    /// </summary>
    public async Task Unsubscribe(string token, string webhookUrl, CancellationToken cancellationToken)
    {
        if (!MaxAccessToken.HasValidShape(token))
        {
            log.LogWarning("Not unsubscribing a Max bot whose token is not an access token");
            return;
        }
        var answer = await Call(HttpMethod.Delete, $"subscriptions?url={Uri.EscapeDataString(webhookUrl)}", token, body: null, cancellationToken);
        if (answer.Status is 401 or 403)
        {
            log.LogWarning("Max refuses the token of the bot posting to {WebhookUrl} ({Error}); nothing left to unsubscribe", webhookUrl, answer.Describe());
            return;
        }
        answer.EnsureDone("DELETE /subscriptions");
        log.LogInformation("A Max bot no longer posts its updates to {WebhookUrl}", webhookUrl);
    }

    public async Task<SendOutcome> Send(string token, OutgoingMessage message, CancellationToken cancellationToken)
    {
        if (!MaxAccessToken.HasValidShape(token))
            return new SendOutcome.Failed("The bot's token is not a Max access token.", Permanent: true);
        if (!long.TryParse(message.ChatId, NumberStyles.None, CultureInfo.InvariantCulture, out var userId) || userId <= 0)
            return new SendOutcome.Failed($"\"{message.ChatId}\" is not a Max user id.", Permanent: true);
        if (message.Text.Length > MaxTextLength)
            return new SendOutcome.Failed(
                $"Max takes at most {MaxTextLength} characters in one message and this one has {message.Text.Length}; send it as shorter replies.",
                Permanent: true);
        if (BadButton(message.Buttons) is { } refusal)
            return refusal;

        try
        {
            var answer = await Call(HttpMethod.Post, $"messages?user_id={userId}", token,
                new MaxNewMessage(message.Text, KeyboardOf(message.Buttons)), cancellationToken);
            if (answer.IsSuccess)
                return new SendOutcome.Sent(answer.Read<MaxSendResult>()?.Message?.Body?.Mid);
            var outcome = OutcomeOf(answer);
            log.LogWarning("Max refused a message to user {UserId}: HTTP {Status} {Error} ({Outcome})", userId, answer.Status, answer.Describe(), outcome);
            return outcome;
        }
        catch (Exception unreachable) when (IsUnreachable(unreachable, cancellationToken))
        {
            log.LogWarning(unreachable, "Could not reach Max to send to user {UserId}", userId);
            return new SendOutcome.Failed(UnreachableReason(unreachable), Permanent: false);
        }
    }

    /// <summary>
    /// Max's upload flow: <c>POST /uploads?type=image|file</c> gives an upload URL (on Max's own
    /// servers only, see <see cref="MaxFiles.MayUploadTo"/>; the bot token is not sent there), the
    /// file goes there as multipart field <c>data</c>, the answer (or the slot, for files) gives a
    /// token, and <c>POST /messages</c> sends the text with the attachment. A file Max has not
    /// finished processing (<c>attachment.not.ready</c>) is tried again shortly, upload and all.
    /// </summary>
    public async Task<SendOutcome> SendFile(string token, OutgoingMessage message, Attachment file, Stream content, CancellationToken cancellationToken)
    {
        if (!MaxAccessToken.HasValidShape(token))
            return new SendOutcome.Failed("The bot's token is not a Max access token.", Permanent: true);
        if (!long.TryParse(message.ChatId, NumberStyles.None, CultureInfo.InvariantCulture, out var userId) || userId <= 0)
            return new SendOutcome.Failed($"\"{message.ChatId}\" is not a Max user id.", Permanent: true);
        var type = file.Kind == "photo" ? "image" : "file";
        try
        {
            var slotAnswer = await Call(HttpMethod.Post, $"uploads?type={type}", token, body: null, cancellationToken);
            if (!slotAnswer.IsSuccess) return OutcomeOf(slotAnswer);
            var slot = slotAnswer.Read<MaxUploadSlot>();
            if (!Uri.TryCreate(slot?.Url, UriKind.Absolute, out var uploadUrl) || !files.MayUploadTo(uploadUrl))
                return new SendOutcome.Failed("Max gave no upload address on its own servers for the file.", Permanent: true);

            using var form = new MultipartFormDataContent();
            var part = new StreamContent(content);
            part.Headers.ContentType = new MediaTypeHeaderValue(file.MimeType ?? Files.FileTypes.Binary);
            form.Add(part, "data", file.FileName ?? Files.FileNames.Fallback);
            using var uploaded = await http.PostAsync(uploadUrl, form, cancellationToken);
            var uploadBody = await uploaded.Content.ReadAsStringAsync(cancellationToken);
            if (!uploaded.IsSuccessStatusCode)
                return new SendOutcome.Failed($"Max's upload server answered HTTP {(int)uploaded.StatusCode}.", Permanent: (int)uploaded.StatusCode is >= 400 and < 500 and not 429);
            if ((type == "image" ? PhotoToken(uploadBody) : UploadToken(uploadBody) ?? slot!.Token) is not { } fileToken)
                return new SendOutcome.Failed("Max's upload server gave no token for the file.", Permanent: false);

            var text = string.IsNullOrEmpty(message.Text) ? null : message.Text;
            var answer = await Call(HttpMethod.Post, $"messages?user_id={userId}", token,
                new MaxNewFileMessage(text, [new MaxUploadedAttachment(type, new MaxUploadToken(fileToken))]), cancellationToken);
            if (answer.IsSuccess)
                return new SendOutcome.Sent(answer.Read<MaxSendResult>()?.Message?.Body?.Mid);
            if (answer.Error()?.Code == "attachment.not.ready")
                return new SendOutcome.RetryAfter(RetryAfterWhenUnsaid);
            var outcome = OutcomeOf(answer);
            log.LogWarning("Max refused a file to user {UserId}: HTTP {Status} {Error} ({Outcome})", userId, answer.Status, answer.Describe(), outcome);
            return outcome;
        }
        catch (Exception unreachable) when (IsUnreachable(unreachable, cancellationToken))
        {
            log.LogWarning(unreachable, "Could not reach Max to send a file to user {UserId}", userId);
            return new SendOutcome.Failed(UnreachableReason(unreachable), Permanent: false);
        }
    }

    /// <summary>An image upload answers <c>{"photos": {"&lt;hash&gt;": {"token": ...}}}</c>.</summary>
    private static string? PhotoToken(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            if (!json.RootElement.TryGetProperty("photos", out var photos) || photos.ValueKind != JsonValueKind.Object) return null;
            return photos.EnumerateObject().Select(p => p.Value.TryGetProperty("token", out var t) ? t.GetString() : null).FirstOrDefault(t => t is not null);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A file upload answers <c>{"fileId": ..., "token": ...}</c>.</summary>
    private static string? UploadToken(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("token", out var t) ? t.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>From the download URL Max put in the attachment's payload, if it is on Max's file servers.</summary>
    public Task<AttachmentDownload> OpenAttachment(string token, Attachment attachment, CancellationToken cancellationToken) =>
        files.Open(attachment, cancellationToken);

    /// <summary>A stale or repeated press must not break anything, so failures are only logged.</summary>
    public async Task AnswerCallback(string token, string callbackId, string? notice, CancellationToken cancellationToken)
    {
        if (!MaxAccessToken.HasValidShape(token))
        {
            log.LogWarning("Not answering callback {CallbackId}: the token is not an access token", callbackId);
            return;
        }
        try
        {
            var answer = await Call(HttpMethod.Post, $"answers?callback_id={Uri.EscapeDataString(callbackId)}", token, new MaxCallbackAnswer(notice),
                cancellationToken);
            if (!answer.IsSuccess)
                log.LogWarning("Max did not take the answer to callback {CallbackId}: HTTP {Status} {Error}", callbackId, answer.Status, answer.Describe());
        }
        catch (Exception failed) when (IsUnreachable(failed, cancellationToken))
        {
            log.LogWarning("Could not reach Max to answer callback {CallbackId}: {Error}", callbackId, failed.Message);
        }
    }

    /// <summary>
    /// <c>typing_on</c> in the customer's dialog (<c>POST /chats/{chatId}/actions</c>). Unlike
    /// messages, which go to the user id, an action takes the dialog's chat id: the caller passes
    /// the one the customer's updates carried. Best effort: what Max answers is only logged.
    /// </summary>
    public async Task Typing(string token, string chatId, CancellationToken cancellationToken)
    {
        if (!MaxAccessToken.HasValidShape(token) || !long.TryParse(chatId, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
        {
            log.LogWarning("Not showing typing in Max chat {ChatId}: the token or the chat id has the wrong shape", chatId);
            return;
        }
        try
        {
            var answer = await Call(HttpMethod.Post, $"chats/{chatId}/actions", token, new MaxChatAction("typing_on"), cancellationToken);
            if (!answer.IsSuccess)
                log.LogInformation("Max did not show typing in chat {ChatId}: HTTP {Status} {Error}", chatId, answer.Status, answer.Describe());
        }
        catch (Exception failed) when (IsUnreachable(failed, cancellationToken))
        {
            log.LogInformation("Could not reach Max to show typing in chat {ChatId}: {Error}", chatId, failed.Message);
        }
    }

    public string DeepLink(string username, string payload)
    {
        var name = username.TrimStart('@');
        if (!BotUsernameShape().IsMatch(name))
            throw new ArgumentException($"\"{username}\" is not a Max bot username.", nameof(username));
        if (!DeepLinkPayloadShape().IsMatch(payload))
            throw new ArgumentException("A Max deep link payload is 1 to 128 characters of A-Z, a-z, 0-9, _ and -.", nameof(payload));
        return $"https://max.ru/{name}?start={payload}";
    }

    private async Task<MaxAnswer> Call(HttpMethod method, string path, string token, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        // The bare token, no scheme: what Max expects (and why AuthenticationHeaderValue, which needs a scheme, is not used).
        request.Headers.TryAddWithoutValidation("Authorization", token);
        if (body is not null)
            request.Content = new StringContent(JsonSerializer.Serialize(body, body.GetType(), MaxJson.Options), Encoding.UTF8, "application/json");
        using var response = await http.SendAsync(request, cancellationToken);
        return new MaxAnswer((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken), response.Headers.RetryAfter);
    }

    private static void RequireTokenShape(string token)
    {
        if (!MaxAccessToken.HasValidShape(token))
            throw DomainException.Invalid("access_token",
                "This is not a Max access token. Copy the bot's token as MAX gives it (business.max.ru, or @MasterBot): one piece without spaces.");
    }

    private static DomainException TokenRefused() =>
        DomainException.Invalid("access_token", "Max does not accept this access token: it was mistyped or has been revoked. Copy the bot's current token.");

    private static SendOutcome OutcomeOf(MaxAnswer answer)
    {
        var error = answer.Error();
        return answer.Status switch
        {
            429 => new SendOutcome.RetryAfter(answer.RetryAfterOr(RetryAfterWhenUnsaid)),
            // The customer stopped or blocked the bot, or the dialog is closed to it: nothing will reach them.
            403 => new SendOutcome.Blocked(answer.Describe()),
            _ when error?.Code == "chat.denied" => new SendOutcome.Blocked(answer.Describe()),
            // Every later send with this token would be refused too, until someone replaces it.
            401 => new SendOutcome.Failed($"Max refuses the bot's access token: {answer.Describe()}", Permanent: true),
            // The same message would be refused again (bad request, no such user, too long).
            >= 400 and < 500 => new SendOutcome.Failed(answer.Describe(), Permanent: true),
            // 5xx, and anything Max has not documented: worth another try later.
            _ => new SendOutcome.Failed(answer.Describe(), Permanent: false),
        };
    }

    private static SendOutcome.Failed? BadButton(IReadOnlyList<ChoiceButton>? buttons)
    {
        foreach (var button in buttons ?? [])
        {
            if (button.Text.Length is 0 or > MaxButtonTextLength)
                return new SendOutcome.Failed($"The button \"{button.Text}\" has {button.Text.Length} characters; Max takes 1 to {MaxButtonTextLength}.", Permanent: true);
            if (button.Data.Length is 0 or > MaxButtonPayloadLength)
                return new SendOutcome.Failed(
                    $"The button \"{button.Text}\" carries {button.Data.Length} characters of payload; Max takes 1 to {MaxButtonPayloadLength}.", Permanent: true);
        }
        return null;
    }

    /// <summary>One button per row: choices read as a list, and long labels are not cut.</summary>
    private static IReadOnlyList<MaxKeyboardAttachment>? KeyboardOf(IReadOnlyList<ChoiceButton>? buttons) =>
        buttons is { Count: > 0 }
            ? [new MaxKeyboardAttachment(new MaxKeyboard(buttons.Select(b => (IReadOnlyList<MaxCallbackButton>)[new MaxCallbackButton(b.Text, b.Data)]).ToList()))]
            : null;

    /// <summary>No answer at all: a network failure, or the client's timeout (not the caller cancelling).</summary>
    private static bool IsUnreachable(Exception e, CancellationToken cancellationToken) =>
        e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested);

    private static string UnreachableReason(Exception e) => e is TaskCanceledException
        ? "Max did not answer in time (the request timed out)."
        : $"Could not reach Max: {e.Message}";

    /// <summary>One HTTP answer of the Bot API, read whole (they are small).</summary>
    private sealed record MaxAnswer(int Status, string Body, RetryConditionHeaderValue? RetryAfter)
    {
        public bool IsSuccess => Status is >= 200 and < 300;

        public T? Read<T>() where T : class
        {
            try
            {
                return JsonSerializer.Deserialize<T>(Body, MaxJson.Options);
            }
            catch (JsonException)
            {
                return null;
            }
        }

        public MaxError? Error() => Read<MaxError>() is { Code: not null } error ? error : null;

        /// <summary>Max's own words when it gave any (<c>code: message</c>), else the bare HTTP status.</summary>
        public string Describe() => Error() is { } error
            ? $"{error.Code}: {error.Message}"
            : $"Max answered HTTP {Status} without an API error";

        public TimeSpan RetryAfterOr(TimeSpan fallback)
        {
            var wait = RetryAfter?.Delta ?? (RetryAfter?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
            return wait > TimeSpan.Zero ? wait.Value : fallback;
        }

        public void EnsureSuccess(string call)
        {
            if (!IsSuccess) throw new InvalidOperationException($"Max refused {call}: HTTP {Status} {Describe()}.");
        }

        /// <summary>Subscriptions answer 200 with <c>success: false</c> when Max did not do it (an unreachable URL, say).</summary>
        public void EnsureDone(string call)
        {
            EnsureSuccess(call);
            if (Read<MaxSimpleResult>() is { Success: false } result)
                throw new InvalidOperationException($"Max did not do {call}: {result.Message}.");
        }
    }
}
