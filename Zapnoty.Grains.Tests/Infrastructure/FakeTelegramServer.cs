using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Zapnoty.Grains.Tests.Infrastructure;

/// <summary>A bot the fake knows: its token, its numeric id (the token's first part) and its @username.</summary>
public sealed record FakeBot(string Token, long Id, string Username);

/// <summary>One Bot API call as the fake got it: the method, the token from the URL, the JSON body and the HTTP status answered.</summary>
public sealed record TelegramCall(string Method, string Token, JsonElement Body, int AnsweredWith)
{
    /// <summary>A top-level string or number field of the body, as text; null when absent.</summary>
    public string? Field(string name) =>
        Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty(name, out var value)
            ? value.ValueKind switch { JsonValueKind.String => value.GetString(), JsonValueKind.Null => null, _ => value.GetRawText() }
            : null;

    public bool Has(string name) => Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty(name, out _);

    public long? ChatId => Field("chat_id") is { } id && long.TryParse(id, out var chat) ? chat : null;
    public string? Text => Field("text");

    /// <summary>When the fake answered the call.</summary>
    public DateTimeOffset At { get; init; }
}

/// <summary>A message the fake accepted (sendMessage answered ok), with its inline keyboard as (text, callback data) rows.</summary>
public sealed record SentTelegramMessage(string Token, long ChatId, int MessageId, string Text, IReadOnlyList<TelegramButton> Buttons, TelegramCall Call);

public sealed record TelegramButton(string Text, string? CallbackData);

/// <summary>A file the fake accepted through sendPhoto or sendDocument (multipart upload): the method, caption and the uploaded part.</summary>
public sealed record SentTelegramFile(string Token, long ChatId, int MessageId, string Method, string? Caption, string? FileName, string? ContentType,
    byte[] Content);

/// <summary>A forum topic the fake made: its current name and whether it is closed.</summary>
public sealed record FakeForumTopic(string Name, bool Closed);

/// <summary>One file part of a multipart Bot API call.</summary>
public sealed record TelegramUploadPart(string Field, string? FileName, string? ContentType, byte[] Content);

/// <summary>
/// A file a bot can fetch: getFile answers its path and size, and <c>/file/bot{token}/{path}</c>
/// serves its bytes. <see cref="DeclaredSize"/> is the size Telegram reports (over 20 MB: getFile
/// refuses with "file is too big", as Telegram does for bots).
/// </summary>
public sealed record TelegramFile(string FileId, string FilePath, byte[] Content, long DeclaredSize);

/// <summary>The webhook a bot is set to, as setWebhook gave it.</summary>
public sealed record TelegramWebhook(string Url, string? SecretToken, IReadOnlyList<string>? AllowedUpdates, bool DropPendingUpdates);

/// <summary>A Bot API error answer: HTTP status = error_code, as Telegram does.</summary>
public sealed record TelegramFailure(int ErrorCode, string Description, int? RetryAfter = null, bool HtmlPage = false)
{
    /// <summary>429 with <c>parameters.retry_after</c> seconds (flood control).</summary>
    public static TelegramFailure TooManyRequests(int retryAfter) => new(429, $"Too Many Requests: retry after {retryAfter}", retryAfter);
    /// <summary>403: the customer blocked the bot.</summary>
    public static TelegramFailure BlockedByUser() => new(403, "Forbidden: bot was blocked by the user");
    /// <summary>403: the customer deleted their account.</summary>
    public static TelegramFailure UserDeactivated() => new(403, "Forbidden: user is deactivated");
    /// <summary>400: no such chat (the customer never started the bot).</summary>
    public static TelegramFailure ChatNotFound() => new(400, "Bad Request: chat not found");
    /// <summary>500 with a Bot API error body.</summary>
    public static TelegramFailure InternalServerError() => new(500, "Internal Server Error");
    /// <summary>502 with an HTML page instead of JSON, as a proxy in front of the Bot API answers when it is down.</summary>
    public static TelegramFailure BadGatewayPage() => new(502, "Bad Gateway", HtmlPage: true);
}

/// <summary>
/// The Telegram Bot API on 127.0.0.1, as Telegram.Bot calls it: <c>POST /bot{token}/{method}</c>
/// with a JSON body, answered <c>{"ok":true,"result":...}</c> or <c>{"ok":false,"error_code":...}</c>.
/// Implements getMe, setWebhook, getWebhookInfo, deleteWebhook, sendMessage, sendPhoto and
/// sendDocument (multipart uploads, recorded in <see cref="SentFiles"/>), answerCallbackQuery,
/// sendChatAction and getFile for the bots registered with <see cref="AddBot(string?)"/>, and the file download
/// endpoint <c>GET /file/bot{token}/{file_path}</c>; any other token gets 401 like the real thing. Records every call, and fails sends when a test says so.
/// Point the client at it with <c>Zapnoty:Telegram:ApiBaseUrl = BaseUrl</c>.
/// </summary>
public sealed class FakeTelegramServer : IAsyncDisposable
{
    private static long _lastBotId = 7_000_000_000 + Random.Shared.Next(1_000_000);

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, FakeBot> _bots = new();
    private readonly ConcurrentDictionary<string, TelegramWebhook> _webhooks = new();
    private readonly ConcurrentQueue<TelegramCall> _calls = new();
    private readonly ConcurrentQueue<SentTelegramMessage> _sent = new();
    private readonly ConcurrentDictionary<long, bool> _blocked = new();
    private readonly ConcurrentDictionary<long, int> _lastMessageId = new();
    private readonly List<ScriptedFailure> _scripts = [];
    private readonly ConcurrentDictionary<(string Token, string FileId), TelegramFile> _files = new();
    private readonly ConcurrentQueue<string> _downloads = new();

    /// <summary>Extra time before every answer (a slow Telegram, for timeout tests).</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.Zero;

    private FakeTelegramServer(WebApplication app)
    {
        _app = app;
        _app.MapMethods("/{botSegment}/{method}", ["GET", "POST"], Serve);
        _app.MapGet("/file/{botSegment}/{**filePath}", ServeFile);
    }

    public static Task<FakeTelegramServer> Start() => LoopbackApp.Start(app => new FakeTelegramServer(app));

    /// <summary>The Bot API base URL, e.g. <c>http://127.0.0.1:41234</c> (the client adds <c>/bot{token}/{method}</c>).</summary>
    public string BaseUrl => LoopbackApp.Address(_app.Services);

    /// <summary>Registers a new bot with a fresh id and a realistic token (<c>{id}:{35 characters}</c>).</summary>
    public FakeBot AddBot(string? username = null)
    {
        var id = Interlocked.Increment(ref _lastBotId);
        var secret = "AAH" + Convert.ToBase64String(Guid.NewGuid().ToByteArray()).Replace('+', '-').Replace('/', '_').TrimEnd('=')
            + Guid.NewGuid().ToString("N")[..10];
        return AddBot($"{id}:{secret}", username ?? $"zapnoty_test_{id % 100_000}_bot");
    }

    /// <summary>Registers a bot with a given token; its id is the token's part before the colon.</summary>
    public FakeBot AddBot(string token, string username)
    {
        var bot = new FakeBot(token, long.Parse(token[..token.IndexOf(':')]), username);
        _bots[token] = bot;
        return bot;
    }

    /// <summary>
    /// Gives <paramref name="bot"/> a file to serve under <paramref name="fileId"/>; Telegram's
    /// <paramref name="declaredSize"/> defaults to the content's length.
    /// </summary>
    public TelegramFile AddFile(FakeBot bot, string fileId, byte[] content, string filePath, long? declaredSize = null)
    {
        var file = new TelegramFile(fileId, filePath, content, declaredSize ?? content.Length);
        _files[(bot.Token, fileId)] = file;
        return file;
    }

    /// <summary>The file paths downloaded so far (answered or not), in order.</summary>
    public IReadOnlyList<string> Downloads => _downloads.ToList();

    /// <summary>Every call so far, in arrival order, including refused ones.</summary>
    public IReadOnlyList<TelegramCall> Calls => _calls.ToList();

    public IReadOnlyList<TelegramCall> CallsTo(string method) => _calls.Where(c => c.Method == method).ToList();

    /// <summary>Messages accepted so far, in order; only those to <paramref name="chatId"/> when given.</summary>
    public IReadOnlyList<SentTelegramMessage> Sent(long? chatId = null) =>
        _sent.Where(m => chatId is null || m.ChatId == chatId).ToList();

    /// <summary>The bot's current webhook, or null if none is set (never set, or deleted).</summary>
    public TelegramWebhook? WebhookOf(FakeBot bot) => _webhooks.GetValueOrDefault(bot.Token);

    /// <summary>The callback query ids answered so far.</summary>
    public IReadOnlyList<string> AnsweredCallbacks =>
        CallsTo("answerCallbackQuery").Where(c => c.AnsweredWith == 200).Select(c => c.Field("callback_query_id")!).ToList();

    /// <summary>The next <paramref name="count"/> sendMessage calls to <paramref name="chatId"/> fail as <paramref name="failure"/>.</summary>
    public void FailNext(long chatId, int count, TelegramFailure failure) => Script(new ScriptedFailure("sendMessage", chatId, count, failure));

    /// <summary>The next <paramref name="count"/> sendMessage calls, to any chat, fail as <paramref name="failure"/>.</summary>
    public void FailNext(int count, TelegramFailure failure) => Script(new ScriptedFailure("sendMessage", null, count, failure));

    /// <summary>The next <paramref name="count"/> calls of any Bot API <paramref name="method"/> (e.g. "setWebhook") fail as <paramref name="failure"/>.</summary>
    public void FailNextCall(string method, int count, TelegramFailure failure) => Script(new ScriptedFailure(method, null, count, failure));

    /// <summary>The customer in <paramref name="chatId"/> blocks the bot: every send there answers 403 until <see cref="Unblock"/>.</summary>
    public void Block(long chatId) => _blocked[chatId] = true;

    public void Unblock(long chatId) => _blocked.TryRemove(chatId, out _);

    /// <summary>Polls until <paramref name="done"/> holds for the accepted messages; fails with what was called otherwise.</summary>
    public Task<IReadOnlyList<SentTelegramMessage>> WaitForSent(Func<IReadOnlyList<SentTelegramMessage>, bool> done, int seconds = 30) =>
        WaitFor(() => Sent(), done, "messages", seconds);

    private async Task<IReadOnlyList<T>> WaitFor<T>(Func<IReadOnlyList<T>> read, Func<IReadOnlyList<T>, bool> done, string what, int seconds)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            var sent = read();
            if (done(sent)) return sent;
            await Task.Delay(50);
        }
        var calls = string.Join(", ", Calls.Select(c => $"{c.Method}({c.ChatId}):{c.AnsweredWith}"));
        throw new TimeoutException($"The expected Telegram {what} were not sent in {seconds} s; calls: [{calls}]");
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private readonly ConcurrentDictionary<long, FloodLimit> _floodLimits = new();

    /// <summary>
    /// Telegram's flood control for one chat: once <paramref name="calls"/> calls naming it (any
    /// method, whatever they were answered) came within <paramref name="per"/>, every further one
    /// answers 429 with retry_after = the whole seconds until the oldest leaves the window.
    /// </summary>
    public void FloodControl(long chatId, int calls, TimeSpan per) => _floodLimits[chatId] = new FloodLimit(calls, per);

    private sealed class FloodLimit(int calls, TimeSpan per)
    {
        public int Calls { get; } = calls;
        public TimeSpan Per { get; } = per;
        public Queue<DateTimeOffset> Counted { get; } = new();
    }

    private int? FloodWait(long? chatId)
    {
        if (chatId is not { } chat || !_floodLimits.TryGetValue(chat, out var limit)) return null;
        lock (limit)
        {
            var now = DateTimeOffset.UtcNow;
            while (limit.Counted.Count > 0 && now - limit.Counted.Peek() >= limit.Per) limit.Counted.Dequeue();
            if (limit.Counted.Count < limit.Calls)
            {
                limit.Counted.Enqueue(now);
                return null;
            }
            return Math.Max(1, (int)Math.Ceiling((limit.Counted.Peek() + limit.Per - now).TotalSeconds));
        }
    }

    private sealed class ScriptedFailure(string method, long? chatId, int count, TelegramFailure failure)
    {
        public string Method { get; } = method;
        public long? ChatId { get; } = chatId;
        public TelegramFailure Failure { get; } = failure;
        public int Remaining { get; set; } = count;
    }

    private void Script(ScriptedFailure script)
    {
        lock (_scripts) _scripts.Add(script);
    }

    /// <summary>A script for this very chat wins over one for any chat; each use counts down.</summary>
    private TelegramFailure? TakeScriptedFailure(string method, long? chatId)
    {
        lock (_scripts)
        {
            var script = _scripts.FirstOrDefault(s => s.Method == method && s.Remaining > 0 && s.ChatId is not null && s.ChatId == chatId)
                ?? _scripts.FirstOrDefault(s => s.Method == method && s.Remaining > 0 && s.ChatId is null);
            if (script is null) return null;
            script.Remaining--;
            return script.Failure;
        }
    }

    private readonly ConcurrentQueue<SentTelegramFile> _sentFiles = new();

    /// <summary>Files accepted so far (sendPhoto, sendDocument), in order; only those to <paramref name="chatId"/> when given.</summary>
    public IReadOnlyList<SentTelegramFile> SentFiles(long? chatId = null) => _sentFiles.Where(f => chatId is null || f.ChatId == chatId).ToList();

    /// <summary>Polls until <paramref name="done"/> holds for the accepted files; fails with what was called otherwise.</summary>
    public Task<IReadOnlyList<SentTelegramFile>> WaitForFiles(Func<IReadOnlyList<SentTelegramFile>, bool> done, int seconds = 30) =>
        WaitFor(() => SentFiles(), done, "files", seconds);

    private async Task Serve(HttpContext http, string botSegment, string method)
    {
        var token = botSegment.StartsWith("bot", StringComparison.Ordinal) ? botSegment[3..] : botSegment;
        var (body, parts) = http.Request.HasFormContentType ? await ReadForm(http.Request) : (await ReadBody(http.Request), []);
        if (Delay > TimeSpan.Zero) await Task.Delay(Delay, http.RequestAborted);

        var chatId = new TelegramCall(method, token, body, 0).ChatId;
        var reply = FloodWait(chatId) is { } wait
            ? Error(TelegramFailure.TooManyRequests(wait))
            : method is "sendPhoto" or "sendDocument" && _bots.TryGetValue(token, out var sender)
            ? SendFile(sender, method, new TelegramCall(method, token, body, 0), parts)
            : Answer(token, method, body);
        _calls.Enqueue(new TelegramCall(method, token, body, reply.Status) { At = DateTimeOffset.UtcNow });
        http.Response.StatusCode = reply.Status;
        http.Response.ContentType = reply.Html is null ? "application/json" : "text/html";
        await http.Response.WriteAsync(reply.Html ?? reply.Json!.ToJsonString());
    }

    /// <summary>An answer: Bot API JSON, or (rarely) an HTML error page from something in front of it.</summary>
    private sealed record Reply(int Status, JsonObject? Json, string? Html = null);

    private static async Task<JsonElement> ReadBody(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync();
        if (string.IsNullOrWhiteSpace(text)) text = "{}";
        try { return JsonDocument.Parse(text).RootElement.Clone(); }
        catch (JsonException) { return JsonDocument.Parse(JsonSerializer.Serialize(new { unparsed_body = text })).RootElement.Clone(); }
    }

    /// <summary>
    /// A multipart call, as Telegram.Bot sends one that uploads a file: the plain fields become
    /// the recorded body (as strings, as Telegram reads them), the file parts are kept aside.
    /// </summary>
    private static async Task<(JsonElement Body, IReadOnlyList<TelegramUploadPart> Parts)> ReadForm(HttpRequest request)
    {
        var form = await request.ReadFormAsync();
        var fields = new JsonObject();
        foreach (var (key, value) in form) fields[key] = value.ToString();
        var parts = new List<TelegramUploadPart>();
        foreach (var file in form.Files)
        {
            using var bytes = new MemoryStream();
            await file.CopyToAsync(bytes);
            parts.Add(new TelegramUploadPart(file.Name, file.FileName, file.ContentType, bytes.ToArray()));
        }
        return (JsonDocument.Parse(fields.ToJsonString()).RootElement.Clone(), parts);
    }

    /// <summary>
    /// sendPhoto / sendDocument with the file uploaded in the call (field photo / document, or
    /// attach://name), checked as Telegram checks: a caption of at most 1024 characters, a photo
    /// of at most 10 MB, a document of at most 50 MB.
    /// </summary>
    private Reply SendFile(FakeBot bot, string method, TelegramCall call, IReadOnlyList<TelegramUploadPart> parts)
    {
        if (TakeScriptedFailure(method, call.ChatId) is { } scripted)
            return Error(scripted);
        if (call.ChatId is not { } chatId)
            return Error(new TelegramFailure(400, "Bad Request: chat not found"));
        if (_blocked.ContainsKey(chatId))
            return Error(TelegramFailure.BlockedByUser());
        if (_removedFrom.ContainsKey((bot.Token, chatId)))
            return Error(new TelegramFailure(403, "Forbidden: bot was kicked from the supergroup chat"));
        var field = method == "sendPhoto" ? "photo" : "document";
        var reference = call.Field(field);
        var part = parts.FirstOrDefault(p => p.Field == field)
            ?? (reference is not null && reference.StartsWith("attach://", StringComparison.Ordinal) ? parts.FirstOrDefault(p => p.Field == reference[9..]) : null);
        if (part is null && reference is { Length: > 0 } && !reference.StartsWith("attach://", StringComparison.Ordinal))
            part = new TelegramUploadPart(field, null, null, []);   // a file id Telegram already has: sent again without an upload
        if (part is null)
            return Error(new TelegramFailure(400, $"Bad Request: there is no {field} in the request"));
        var caption = call.Field("caption");
        if (caption is { Length: > 1024 })
            return Error(new TelegramFailure(400, "Bad Request: message caption is too long"));
        if (part.Content.Length > (field == "photo" ? 10 : 50) * 1024 * 1024)
            return Error(new TelegramFailure(400, "Bad Request: file is too big"));
        var messageId = _lastMessageId.AddOrUpdate(chatId, 1, (_, last) => last + 1);
        _sentFiles.Enqueue(new SentTelegramFile(bot.Token, chatId, messageId, method, caption, part.FileName, part.ContentType, part.Content));
        var message = new JsonObject
        {
            ["message_id"] = messageId,
            ["from"] = BotUser(bot, full: false),
            ["chat"] = new JsonObject { ["id"] = chatId, ["first_name"] = "Customer", ["type"] = "private" },
            ["date"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        };
        if (caption is not null) message["caption"] = caption;
        var fileId = $"sent-{chatId}-{messageId}";
        if (field == "photo")
            message["photo"] = new JsonArray(new JsonObject { ["file_id"] = fileId, ["file_unique_id"] = fileId, ["width"] = 1, ["height"] = 1, ["file_size"] = part.Content.Length });
        else
            message["document"] = new JsonObject { ["file_id"] = fileId, ["file_unique_id"] = fileId, ["file_name"] = part.FileName, ["file_size"] = part.Content.Length };
        return Ok(message);
    }

    private Reply Answer(string token, string method, JsonElement body)
    {
        if (!_bots.TryGetValue(token, out var bot))
            return Error(new TelegramFailure(401, "Unauthorized"));
        var call = new TelegramCall(method, token, body, 0) { At = DateTimeOffset.UtcNow };
        if (TakeScriptedFailure(method, call.ChatId) is { } scripted)
            return Error(scripted);
        if (call.ChatId is { } target && _removedFrom.ContainsKey((bot.Token, target)) && method != "getChatMember")
            return Error(new TelegramFailure(403, "Forbidden: bot was kicked from the supergroup chat"));
        return method switch
        {
            "getMe" => Ok(BotUser(bot, full: true)),
            "setWebhook" => SetWebhook(bot, call),
            "getWebhookInfo" => Ok(WebhookInfo(bot)),
            "deleteWebhook" => DeleteWebhook(bot),
            "sendMessage" => SendMessage(bot, call),
            "createForumTopic" => CreateForumTopic(call),
            "editForumTopic" => EditForumTopic(call),
            "closeForumTopic" or "reopenForumTopic" => ToggleForumTopic(call, method == "closeForumTopic"),
            "getChatMember" => GetChatMember(call),
            "getFile" => GetFile(bot, call),
            // "typing…" shown to the customer; recorded like every call (CallsTo("sendChatAction")).
            "sendChatAction" => Ok(JsonValue.Create(true)),
            "answerCallbackQuery" => string.IsNullOrEmpty(call.Field("callback_query_id"))
                ? Error(new TelegramFailure(400, "Bad Request: query is too old and response timeout expired or query ID is invalid"))
                : Ok(JsonValue.Create(true)),
            _ => Error(new TelegramFailure(404, "Not Found")),
        };
    }

    private Reply SetWebhook(FakeBot bot, TelegramCall call)
    {
        var url = call.Field("url");
        // Like Telegram: an empty url removes the webhook.
        if (string.IsNullOrEmpty(url))
        {
            _webhooks.TryRemove(bot.Token, out _);
            return Ok(JsonValue.Create(true));
        }
        var secret = call.Field("secret_token");
        if (secret is not null && !Regex.IsMatch(secret, "^[A-Za-z0-9_-]{1,256}$"))
            return Error(new TelegramFailure(400, "Bad Request: secret token contains unallowed characters"));
        IReadOnlyList<string>? allowed = call.Body.TryGetProperty("allowed_updates", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Select(u => u.GetString()!).ToList()
            : null;
        var drop = call.Field("drop_pending_updates") == "true";
        _webhooks[bot.Token] = new TelegramWebhook(url, secret, allowed, drop);
        return Ok(JsonValue.Create(true));
    }

    /// <summary>Like Telegram: an unknown id is 400 "wrong file_id", a file over 20 MB is 400 "file is too big".</summary>
    private Reply GetFile(FakeBot bot, TelegramCall call)
    {
        if (call.Field("file_id") is not { } fileId || !_files.TryGetValue((bot.Token, fileId), out var file))
            return Error(new TelegramFailure(400, "Bad Request: wrong file_id or the file is temporarily unavailable"));
        if (file.DeclaredSize > 20 * 1024 * 1024)
            return Error(new TelegramFailure(400, "Bad Request: file is too big"));
        return Ok(new JsonObject
        {
            ["file_id"] = file.FileId, ["file_unique_id"] = "AQAD" + file.FileId.GetHashCode().ToString("x8"),
            ["file_size"] = file.DeclaredSize, ["file_path"] = file.FilePath,
        });
    }

    /// <summary>The file endpoint: Telegram serves every file as application/octet-stream, whatever it is.</summary>
    private async Task ServeFile(HttpContext http, string botSegment, string filePath)
    {
        _downloads.Enqueue(filePath);
        var token = botSegment.StartsWith("bot", StringComparison.Ordinal) ? botSegment[3..] : "";
        var file = _files.Where(f => f.Key.Token == token && f.Value.FilePath == filePath).Select(f => f.Value).FirstOrDefault();
        if (file is null)
        {
            http.Response.StatusCode = 404;
            return;
        }
        http.Response.ContentType = "application/octet-stream";
        http.Response.ContentLength = file.Content.Length;
        await http.Response.Body.WriteAsync(file.Content, http.RequestAborted);
    }

    private Reply DeleteWebhook(FakeBot bot)
    {
        _webhooks.TryRemove(bot.Token, out _);
        return Ok(JsonValue.Create(true));
    }

    private JsonObject WebhookInfo(FakeBot bot)
    {
        var info = new JsonObject { ["url"] = "", ["has_custom_certificate"] = false, ["pending_update_count"] = 0 };
        if (_webhooks.TryGetValue(bot.Token, out var hook))
        {
            info["url"] = hook.Url;
            info["max_connections"] = 40;
            if (hook.AllowedUpdates is { } allowed) info["allowed_updates"] = new JsonArray(allowed.Select(u => (JsonNode)JsonValue.Create(u)!).ToArray());
        }
        return info;
    }

    /// <summary>Checks what Telegram checks before accepting a message, then answers with the sent Message.</summary>
    private Reply SendMessage(FakeBot bot, TelegramCall call)
    {
        if (call.ChatId is not { } chatId)
            return Error(new TelegramFailure(400, call.Has("chat_id") ? "Bad Request: chat not found" : "Bad Request: chat_id is empty"));
        if (_blocked.ContainsKey(chatId))
            return Error(TelegramFailure.BlockedByUser());
        var text = call.Text;
        if (string.IsNullOrWhiteSpace(text))
            return Error(new TelegramFailure(400, "Bad Request: message text is empty"));
        if (text.Length > 4096)
            return Error(new TelegramFailure(400, "Bad Request: message is too long"));
        var buttons = new List<TelegramButton>();
        if (call.Body.TryGetProperty("reply_markup", out var markup) && markup.TryGetProperty("inline_keyboard", out var rows))
        {
            foreach (var button in rows.EnumerateArray().SelectMany(row => row.EnumerateArray()))
            {
                var data = button.TryGetProperty("callback_data", out var d) ? d.GetString() : null;
                if (data is not null && Encoding.UTF8.GetByteCount(data) is 0 or > 64)
                    return Error(new TelegramFailure(400, "Bad Request: BUTTON_DATA_INVALID"));
                buttons.Add(new TelegramButton(button.GetProperty("text").GetString()!, data));
            }
        }

        var messageId = _lastMessageId.AddOrUpdate(chatId, 1, (_, last) => last + 1);
        var message = new JsonObject
        {
            ["message_id"] = messageId,
            ["from"] = BotUser(bot, full: false),
            ["chat"] = ChatOf(chatId),
            ["date"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["text"] = text,
        };
        if (call.Field("message_thread_id") is { } thread && int.TryParse(thread, out var threadId))
        {
            if (!_topics.TryGetValue((chatId, threadId), out var topic))
                return Error(new TelegramFailure(400, "Bad Request: message thread not found"));
            if (topic.Closed)
                return Error(new TelegramFailure(400, "Bad Request: TOPIC_CLOSED"));
            message["message_thread_id"] = threadId;
            message["is_topic_message"] = true;
        }
        if (markup.ValueKind == JsonValueKind.Object) message["reply_markup"] = JsonNode.Parse(markup.GetRawText());
        _sent.Enqueue(new SentTelegramMessage(bot.Token, chatId, messageId, text, buttons, call with { AnsweredWith = 200 }));
        return Ok(message);
    }

    private static JsonObject ChatOf(long chatId) => chatId < 0
        ? new JsonObject { ["id"] = chatId, ["title"] = "Support team", ["type"] = "supergroup", ["is_forum"] = true }
        : new JsonObject { ["id"] = chatId, ["first_name"] = "Customer", ["type"] = "private" };

    private readonly ConcurrentDictionary<(long Chat, int Thread), FakeForumTopic> _topics = new();
    private readonly ConcurrentDictionary<(long Chat, long User), string> _memberStatus = new();
    private readonly ConcurrentDictionary<(string Token, long Chat), bool> _removedFrom = new();
    private int _lastThreadId = 100;

    /// <summary>The forum topics of <paramref name="chatId"/>, by thread id, as createForumTopic/editForumTopic/closeForumTopic left them.</summary>
    public IReadOnlyDictionary<int, FakeForumTopic> Topics(long chatId) =>
        _topics.Where(t => t.Key.Chat == chatId).ToDictionary(t => t.Key.Thread, t => t.Value);

    /// <summary>Messages accepted in topic <paramref name="threadId"/> of <paramref name="chatId"/>, in order.</summary>
    public IReadOnlyList<SentTelegramMessage> SentInTopic(long chatId, int threadId) =>
        Sent(chatId).Where(m => m.Call.Field("message_thread_id") == threadId.ToString()).ToList();

    /// <summary>What getChatMember answers for the person in the group (<c>creator</c>, <c>administrator</c>, <c>member</c>...); <c>member</c> unless set.</summary>
    public void SetMemberStatus(long chatId, long userId, string status) => _memberStatus[(chatId, userId)] = status;

    /// <summary>The bot is removed from the group: every call there answers 403 "bot was kicked from the supergroup chat".</summary>
    public void RemoveFromGroup(FakeBot bot, long chatId) => _removedFrom[(bot.Token, chatId)] = true;

    /// <summary>Like Telegram: a name of 1–128 characters, in a chat that is a forum (a negative id here).</summary>
    private Reply CreateForumTopic(TelegramCall call)
    {
        if (call.ChatId is not { } chatId || chatId >= 0)
            return Error(new TelegramFailure(400, "Bad Request: the chat is not a forum"));
        var name = call.Field("name");
        if (string.IsNullOrEmpty(name) || name.Length > 128)
            return Error(new TelegramFailure(400, "Bad Request: TOPIC_NAME_INVALID"));
        var threadId = Interlocked.Increment(ref _lastThreadId);
        _topics[(chatId, threadId)] = new FakeForumTopic(name, Closed: false);
        return Ok(new JsonObject { ["message_thread_id"] = threadId, ["name"] = name, ["icon_color"] = 7322096 });
    }

    /// <summary>Telegram answers 400 TOPIC_NOT_MODIFIED to a rename to the same name.</summary>
    private Reply EditForumTopic(TelegramCall call)
    {
        if (call.ChatId is not { } chatId || !int.TryParse(call.Field("message_thread_id"), out var threadId) || !_topics.TryGetValue((chatId, threadId), out var topic))
            return Error(new TelegramFailure(400, "Bad Request: TOPIC_ID_INVALID"));
        var name = call.Field("name");
        if (name is null || name == topic.Name)
            return Error(new TelegramFailure(400, "Bad Request: TOPIC_NOT_MODIFIED"));
        _topics[(chatId, threadId)] = topic with { Name = name };
        return Ok(JsonValue.Create(true));
    }

    private Reply ToggleForumTopic(TelegramCall call, bool close)
    {
        if (call.ChatId is not { } chatId || !int.TryParse(call.Field("message_thread_id"), out var threadId) || !_topics.TryGetValue((chatId, threadId), out var topic))
            return Error(new TelegramFailure(400, "Bad Request: TOPIC_ID_INVALID"));
        if (topic.Closed == close)
            return Error(new TelegramFailure(400, "Bad Request: TOPIC_NOT_MODIFIED"));
        _topics[(chatId, threadId)] = topic with { Closed = close };
        return Ok(JsonValue.Create(true));
    }

    private Reply GetChatMember(TelegramCall call)
    {
        if (call.ChatId is not { } chatId || !long.TryParse(call.Field("user_id"), out var userId))
            return Error(new TelegramFailure(400, "Bad Request: chat not found"));
        var status = _memberStatus.GetValueOrDefault((chatId, userId), "member");
        var member = new JsonObject { ["status"] = status, ["user"] = new JsonObject { ["id"] = userId, ["is_bot"] = false, ["first_name"] = "Someone" } };
        if (status == "administrator")
        {
            foreach (var right in new[] { "can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
                         "can_promote_members", "can_change_info", "can_invite_users", "can_post_stories", "can_edit_stories", "can_delete_stories" })
                member[right] = false;
        }
        if (status == "creator") member["is_anonymous"] = false;
        return Ok(member);
    }

    private static JsonObject BotUser(FakeBot bot, bool full)
    {
        var user = new JsonObject { ["id"] = bot.Id, ["is_bot"] = true, ["first_name"] = "Zapnoty Test Bot", ["username"] = bot.Username };
        if (full)
        {
            user["can_join_groups"] = true;
            user["can_read_all_group_messages"] = false;
            user["supports_inline_queries"] = false;
        }
        return user;
    }

    private static Reply Ok(JsonNode? result) => new(200, new JsonObject { ["ok"] = true, ["result"] = result });

    private static Reply Error(TelegramFailure failure)
    {
        if (failure.HtmlPage)
            return new(failure.ErrorCode, null, $"<html><head><title>{failure.ErrorCode} {failure.Description}</title></head><body><center><h1>{failure.ErrorCode} {failure.Description}</h1></center><hr><center>nginx</center></body></html>");
        var error = new JsonObject { ["ok"] = false, ["error_code"] = failure.ErrorCode, ["description"] = failure.Description };
        if (failure.RetryAfter is { } seconds) error["parameters"] = new JsonObject { ["retry_after"] = seconds };
        return new(failure.ErrorCode, error);
    }
}
