using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Zapnoty.Grains.Tests.Infrastructure;

/// <summary>A Max bot the fake knows: its access token, its user id and its username.</summary>
public sealed record FakeMaxBot(string Token, long Id, string Username);

/// <summary>
/// One Bot API call as the fake got it: HTTP method and path, the query, the token from the
/// <c>Authorization</c> header, the JSON body (undefined when none) and the HTTP status answered.
/// </summary>
public sealed record MaxCall(string Method, string Path, IReadOnlyDictionary<string, string> Query, string? Token, JsonElement Body, int AnsweredWith)
{
    public string? QueryValue(string name) => Query.GetValueOrDefault(name);

    public long? UserId => QueryValue("user_id") is { } id && long.TryParse(id, out var user) ? user : null;

    public string? Text => Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String
        ? text.GetString()
        : null;

    public bool Has(string name) => Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty(name, out _);
}

/// <summary>A message the fake accepted, with its inline keyboard as (text, payload) buttons.</summary>
public sealed record SentMaxMessage(string Token, long UserId, string Mid, string Text, IReadOnlyList<MaxButton> Buttons, MaxCall Call,
    IReadOnlyList<MaxUpload>? Files = null);

/// <summary>A file uploaded to an upload URL from <c>POST /uploads</c>: its type (image, file), the multipart part, and the token it got.</summary>
public sealed record MaxUpload(string Type, string Token, string? FileName, string? ContentType, byte[] Content);

public sealed record MaxButton(string Type, string Text, string? Payload);

/// <summary>A webhook subscription, as POST /subscriptions gave it.</summary>
public sealed record MaxSubscription(string Url, IReadOnlyList<string>? UpdateTypes, string? Secret);

/// <summary>A Bot API error answer: <c>{code, message}</c> with an HTTP status, as Max does.</summary>
public sealed record MaxFailure(int Status, string Code, string Message, int? RetryAfterSeconds = null, bool HtmlPage = false)
{
    /// <summary>429, with a Retry-After header when <paramref name="retryAfter"/> is given.</summary>
    public static MaxFailure TooManyRequests(int? retryAfter = null) => new(429, "too.many.requests", "Too many requests", retryAfter);
    /// <summary>403: the customer stopped or blocked the bot.</summary>
    public static MaxFailure Blocked() => new(403, "chat.denied", "dialog.suspended: the user has blocked the bot");
    /// <summary>404: no such user.</summary>
    public static MaxFailure UserNotFound() => new(404, "not.found", "User not found");
    /// <summary>400: a request Max will not take.</summary>
    public static MaxFailure BadRequest(string message) => new(400, "proto.payload", message);
    public static MaxFailure InternalServerError() => new(500, "internal", "Internal server error");
    /// <summary>502 with an HTML page instead of JSON, as a proxy in front of the API answers when it is down.</summary>
    public static MaxFailure BadGatewayPage() => new(502, "", "Bad Gateway", HtmlPage: true);
}

/// <summary>
/// The Max Bot API on 127.0.0.1, as our client calls it: <c>GET /me</c>, <c>POST</c> and
/// <c>DELETE /subscriptions</c>, <c>POST /messages?user_id=</c> and <c>POST /answers?callback_id=</c>,
/// with the token in the <c>Authorization</c> header. An unknown token (or one in the query,
/// which Max refuses) gets 401 <c>verify.token</c>. Records every call, and fails calls when a
/// test says so. Point the client at it with <c>Zapnoty:Max:ApiBaseUrl = BaseUrl</c>.
/// </summary>
public sealed class FakeMaxServer : IAsyncDisposable
{
    public const int MaxTextLength = 4000;

    private static long _lastBotId = 9_000_000 + Random.Shared.Next(1_000_000);

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, FakeMaxBot> _bots = new();
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, MaxSubscription>> _subscriptions = new();
    private readonly ConcurrentQueue<MaxCall> _calls = new();
    private readonly ConcurrentQueue<SentMaxMessage> _sent = new();
    private readonly ConcurrentDictionary<long, bool> _blocked = new();
    private readonly List<ScriptedFailure> _scripts = [];
    private long _lastSeq;
    private readonly ConcurrentDictionary<string, byte[]> _files = new();
    private readonly ConcurrentQueue<string> _downloads = new();

    /// <summary>Extra time before every answer (a slow Max, for timeout tests).</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.Zero;

    private FakeMaxServer(WebApplication app)
    {
        _app = app;
        _app.MapMethods("/{**path}", ["GET", "POST", "DELETE", "PUT", "PATCH"], Serve);
    }

    public static Task<FakeMaxServer> Start() => LoopbackApp.Start(app => new FakeMaxServer(app));

    /// <summary>The API base URL, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string BaseUrl => LoopbackApp.Address(_app.Services);

    /// <summary>Registers a bot with a fresh id and a token shaped like Max's (a long opaque string).</summary>
    public FakeMaxBot AddBot(string? username = null)
    {
        var id = Interlocked.Increment(ref _lastBotId);
        var token = "f9LHodD0cOK" + Convert.ToBase64String(Guid.NewGuid().ToByteArray()).Replace('+', '-').Replace('/', '_').TrimEnd('=')
            + Guid.NewGuid().ToString("N");
        return AddBot(token, id, username ?? $"id{id}_bot");
    }

    public FakeMaxBot AddBot(string token, long id, string username)
    {
        var bot = new FakeMaxBot(token, id, username);
        _bots[token] = bot;
        return bot;
    }

    /// <summary>Every call so far, in arrival order, including refused ones.</summary>
    public IReadOnlyList<MaxCall> Calls => _calls.ToList();

    /// <summary>Calls of one method, e.g. <c>CallsTo("POST", "/messages")</c>.</summary>
    public IReadOnlyList<MaxCall> CallsTo(string method, string path) => _calls.Where(c => c.Method == method && c.Path == path).ToList();

    /// <summary>Messages accepted so far, in order; only those to <paramref name="userId"/> when given.</summary>
    public IReadOnlyList<SentMaxMessage> Sent(long? userId = null) => _sent.Where(m => userId is null || m.UserId == userId).ToList();

    /// <summary>The bot's subscriptions by URL (none: empty).</summary>
    public IReadOnlyList<MaxSubscription> SubscriptionsOf(FakeMaxBot bot) =>
        _subscriptions.TryGetValue(bot.Token, out var subscriptions) ? subscriptions.Values.ToList() : [];

    /// <summary>The callback ids answered so far.</summary>
    public IReadOnlyList<string> AnsweredCallbacks =>
        CallsTo("POST", "/answers").Where(c => c.AnsweredWith == 200).Select(c => c.QueryValue("callback_id")!).ToList();

    /// <summary>The next <paramref name="count"/> sends to <paramref name="userId"/> fail as <paramref name="failure"/>.</summary>
    public void FailNext(long userId, int count, MaxFailure failure) => Script(new ScriptedFailure("POST", "/messages", userId, count, failure));

    /// <summary>The next <paramref name="count"/> sends, to anyone, fail as <paramref name="failure"/>.</summary>
    public void FailNext(int count, MaxFailure failure) => Script(new ScriptedFailure("POST", "/messages", null, count, failure));

    /// <summary>The next <paramref name="count"/> calls of <paramref name="method"/> <paramref name="path"/> (e.g. "GET", "/me") fail as <paramref name="failure"/>.</summary>
    public void FailNextCall(string method, string path, int count, MaxFailure failure) => Script(new ScriptedFailure(method, path, null, count, failure));

    /// <summary>The customer blocks the bot: every send to them answers 403 until <see cref="Unblock"/>.</summary>
    public void Block(long userId) => _blocked[userId] = true;

    public void Unblock(long userId) => _blocked.TryRemove(userId, out _);

    /// <summary>Waits until the accepted messages satisfy <paramref name="condition"/>; returns them all.</summary>
    public async Task<IReadOnlyList<SentMaxMessage>> WaitForSent(Func<IReadOnlyList<SentMaxMessage>, bool> condition, int seconds = 15)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var sent = Sent();
            if (condition(sent)) return sent;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Max messages did not arrive within {seconds} s; sent so far: "
                    + string.Join(" | ", sent.Select(m => $"{m.UserId}: {m.Text}")));
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed class ScriptedFailure(string method, string path, long? userId, int count, MaxFailure failure)
    {
        public string Method { get; } = method;
        public string Path { get; } = path;
        public long? UserId { get; } = userId;
        public int Left { get; set; } = count;
        public MaxFailure Failure { get; } = failure;
    }

    private void Script(ScriptedFailure script)
    {
        lock (_scripts) _scripts.Add(script);
    }

    private MaxFailure? TakeScripted(string method, string path, long? userId)
    {
        lock (_scripts)
        {
            var script = _scripts.FirstOrDefault(s => s.Left > 0 && s.Method == method && s.Path == path && (s.UserId is null || s.UserId == userId));
            if (script is null) return null;
            script.Left--;
            return script.Failure;
        }
    }

    private sealed record Reply(int Status, JsonNode? Json, string? Html = null, int? RetryAfter = null);

    /// <summary>
    /// Serves <paramref name="content"/> at <c>{BaseUrl}/files/{name}</c> (no token needed: the URL
    /// is the key, as on Max's file servers); returns that URL for an attachment's payload.
    /// </summary>
    public string AddFile(string name, byte[] content)
    {
        _files[name] = content;
        return $"{BaseUrl.TrimEnd('/')}/files/{Uri.EscapeDataString(name)}";
    }

    /// <summary>The file names downloaded so far, in order.</summary>
    public IReadOnlyList<string> Downloads => _downloads.ToList();

    /// <summary>The files uploaded so far (whether or not a message used them), in order.</summary>
    public IReadOnlyList<MaxUpload> Uploads => _uploads.ToList();

    private readonly ConcurrentDictionary<string, (string Type, string Token)> _uploadSlots = new();
    private readonly ConcurrentQueue<MaxUpload> _uploads = new();

    /// <summary>
    /// An upload URL, as Max's upload servers take one: a multipart body with the file in field
    /// <c>data</c>, no token (the URL is the key), answered with the token the message then carries
    /// (<c>photos</c> for an image, <c>token</c> for a file).
    /// </summary>
    private async Task ServeUpload(HttpContext context, string slotId)
    {
        if (!_uploadSlots.TryRemove(slotId, out var slot) || !context.Request.HasFormContentType)
        {
            context.Response.StatusCode = 400;
            return;
        }
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        if (form.Files.GetFile("data") is not { } file)
        {
            context.Response.StatusCode = 400;
            return;
        }
        using var bytes = new MemoryStream();
        await file.CopyToAsync(bytes, context.RequestAborted);
        _uploads.Enqueue(new MaxUpload(slot.Type, slot.Token, file.FileName, file.ContentType, bytes.ToArray()));
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(slot.Type == "image"
            ? new JsonObject { ["photos"] = new JsonObject { [$"hash{slotId}"] = new JsonObject { ["token"] = slot.Token } } }.ToJsonString()
            : new JsonObject { ["fileId"] = 1, ["token"] = slot.Token }.ToJsonString());
    }

    private Reply NewUploadSlot(MaxCall call)
    {
        var type = call.QueryValue("type");
        if (type is not ("image" or "file" or "video" or "audio"))
            return Error(MaxFailure.BadRequest("type: must be one of image, video, audio, file"));
        var slotId = Guid.NewGuid().ToString("N");
        var token = "upl" + Guid.NewGuid().ToString("N");
        _uploadSlots[slotId] = (type, token);
        var answer = new JsonObject { ["url"] = $"{BaseUrl.TrimEnd('/')}/upload/{slotId}" };
        if (type != "image") answer["token"] = token;
        return Ok(answer);
    }

    private async Task Serve(HttpContext context)
    {
        if (context.Request.Method == "GET" && context.Request.Path.StartsWithSegments("/files", out var rest))
        {
            await ServeFile(context, Uri.UnescapeDataString(rest.Value!.TrimStart('/')));
            return;
        }
        if (context.Request.Method == "POST" && context.Request.Path.StartsWithSegments("/upload", out var slotPath))
        {
            await ServeUpload(context, slotPath.Value!.TrimStart('/'));
            return;
        }
        if (Delay > TimeSpan.Zero) await Task.Delay(Delay, context.RequestAborted);
        var request = context.Request;
        var query = request.Query.ToDictionary(q => q.Key, q => q.Value.ToString());
        string body;
        using (var reader = new StreamReader(request.Body, Encoding.UTF8)) body = await reader.ReadToEndAsync(context.RequestAborted);
        var json = body.Length > 0 ? JsonDocument.Parse(body).RootElement.Clone() : default;
        var token = request.Headers.Authorization.Count > 0 ? request.Headers.Authorization.ToString() : null;
        var call = new MaxCall(request.Method, request.Path.Value ?? "/", query, token, json, 0);

        var reply = Answer(call);
        _calls.Enqueue(call with { AnsweredWith = reply.Status });
        context.Response.StatusCode = reply.Status;
        if (reply.RetryAfter is { } seconds) context.Response.Headers.RetryAfter = seconds.ToString();
        if (reply.Html is not null)
        {
            context.Response.ContentType = "text/html";
            await context.Response.WriteAsync(reply.Html);
            return;
        }
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(reply.Json?.ToJsonString() ?? "{}");
    }

    private async Task ServeFile(HttpContext context, string name)
    {
        _downloads.Enqueue(name);
        if (!_files.TryGetValue(name, out var content))
        {
            context.Response.StatusCode = 404;
            return;
        }
        context.Response.ContentType = "application/octet-stream";
        context.Response.ContentLength = content.Length;
        await context.Response.Body.WriteAsync(content, context.RequestAborted);
    }

    private Reply Answer(MaxCall call)
    {
        // Max refuses tokens in the query outright, even good ones.
        if (call.Query.ContainsKey("access_token") || call.Token is null || !_bots.TryGetValue(call.Token, out var bot))
            return Error(new MaxFailure(401, "verify.token", "Invalid access_token"));
        if (TakeScripted(call.Method, call.Path, call.UserId) is { } failure)
            return Error(failure);

        return (call.Method, call.Path) switch
        {
            ("GET", "/me") => Ok(BotInfo(bot)),
            ("POST", "/subscriptions") => Subscribe(bot, call),
            ("DELETE", "/subscriptions") => Unsubscribe(bot, call),
            ("GET", "/subscriptions") => Ok(new JsonObject
            {
                ["subscriptions"] = new JsonArray(SubscriptionsOf(bot).Select(s => (JsonNode)new JsonObject { ["url"] = s.Url, ["time"] = 0 }).ToArray()),
            }),
            ("POST", "/messages") => SendMessage(bot, call),
            ("POST", "/uploads") => NewUploadSlot(call),
            ("POST", "/answers") => string.IsNullOrWhiteSpace(call.QueryValue("callback_id"))
                ? Error(MaxFailure.BadRequest("callback_id is required"))
                : Ok(new JsonObject { ["success"] = true }),
            ("POST", var path) when path.StartsWith("/chats/", StringComparison.Ordinal) && path.EndsWith("/actions", StringComparison.Ordinal) => ChatAction(call),
            _ => Error(new MaxFailure(404, "not.found", $"No method {call.Method} {call.Path}")),
        };
    }

    /// <summary><c>POST /chats/{chatId}/actions</c>: a chat id (a number) and one of Max's actions, as Max checks them.</summary>
    private static Reply ChatAction(MaxCall call)
    {
        var chat = call.Path["/chats/".Length..^"/actions".Length];
        if (!long.TryParse(chat, out _))
            return Error(MaxFailure.BadRequest($"chatId: '{chat}' is not a number"));
        var action = call.Body.ValueKind == JsonValueKind.Object && call.Body.TryGetProperty("action", out var a) ? a.GetString() : null;
        return action is "typing_on" or "sending_photo" or "sending_video" or "sending_audio" or "sending_file" or "mark_seen"
            ? Ok(new JsonObject { ["success"] = true })
            : Error(MaxFailure.BadRequest($"action: '{action}' is not a chat action"));
    }

    /// <summary>The chat actions ("typing…") a bot showed in the chat with Max id <paramref name="chatId"/>.</summary>
    public IReadOnlyList<string> ActionsIn(FakeMaxBot bot, long chatId) =>
        CallsTo("POST", $"/chats/{chatId}/actions").Where(c => c.Token == bot.Token && c.AnsweredWith == 200)
            .Select(c => c.Body.GetProperty("action").GetString()!).ToList();

    private Reply Subscribe(FakeMaxBot bot, MaxCall call)
    {
        var url = call.Body.TryGetProperty("url", out var u) ? u.GetString() : null;
        if (string.IsNullOrEmpty(url) || !url.StartsWith("https://", StringComparison.Ordinal))
            return Error(MaxFailure.BadRequest("url must start with https://"));
        string? secret = call.Body.TryGetProperty("secret", out var s) ? s.GetString() : null;
        if (secret is not null && !System.Text.RegularExpressions.Regex.IsMatch(secret, "^[a-zA-Z0-9_-]{5,256}$"))
            return Error(MaxFailure.BadRequest("secret: invalid"));
        var types = call.Body.TryGetProperty("update_types", out var t) ? t.EnumerateArray().Select(x => x.GetString()!).ToList() : null;
        _subscriptions.GetOrAdd(bot.Token, _ => new())[url] = new MaxSubscription(url, types, secret);
        return Ok(new JsonObject { ["success"] = true });
    }

    private Reply Unsubscribe(FakeMaxBot bot, MaxCall call)
    {
        if (call.QueryValue("url") is not { Length: > 0 } url)
            return Error(MaxFailure.BadRequest("url is required"));
        if (_subscriptions.TryGetValue(bot.Token, out var subscriptions)) subscriptions.TryRemove(url, out _);
        return Ok(new JsonObject { ["success"] = true });
    }

    private Reply SendMessage(FakeMaxBot bot, MaxCall call)
    {
        if (call.UserId is not { } userId)
            return Error(MaxFailure.BadRequest("user_id or chat_id is required"));
        if (_blocked.ContainsKey(userId))
            return Error(MaxFailure.Blocked());
        var text = call.Text ?? "";
        var files = new List<MaxUpload>();
        if (call.Body.TryGetProperty("attachments", out var sent) && sent.ValueKind == JsonValueKind.Array)
            foreach (var attachment in sent.EnumerateArray().Where(a => a.GetProperty("type").GetString() is "image" or "file"))
            {
                var fileToken = attachment.GetProperty("payload").GetProperty("token").GetString();
                if (_uploads.FirstOrDefault(u => u.Token == fileToken) is not { } upload)
                    return Error(MaxFailure.BadRequest("attachment: unknown token"));
                files.Add(upload);
            }
        if (string.IsNullOrEmpty(text) && files.Count == 0)
            return Error(MaxFailure.BadRequest("text: must not be empty"));
        if (text.Length > MaxTextLength)
            return Error(MaxFailure.BadRequest($"text: size must be between 0 and {MaxTextLength}"));
        var buttons = new List<MaxButton>();
        if (call.Body.TryGetProperty("attachments", out var attachments) && attachments.ValueKind == JsonValueKind.Array)
            foreach (var attachment in attachments.EnumerateArray().Where(a => a.GetProperty("type").GetString() == "inline_keyboard"))
                foreach (var button in attachment.GetProperty("payload").GetProperty("buttons").EnumerateArray().SelectMany(row => row.EnumerateArray()))
                    buttons.Add(new MaxButton(button.GetProperty("type").GetString()!, button.GetProperty("text").GetString()!,
                        button.TryGetProperty("payload", out var p) ? p.GetString() : null));

        var seq = Interlocked.Increment(ref _lastSeq);
        var mid = $"mid.{bot.Id:x}{userId:x}{seq:x8}";
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var message = new JsonObject
        {
            ["sender"] = BotInfo(bot),
            ["recipient"] = new JsonObject { ["chat_id"] = -userId, ["chat_type"] = "dialog", ["user_id"] = userId },
            ["timestamp"] = now,
            ["body"] = new JsonObject { ["mid"] = mid, ["seq"] = seq, ["text"] = text },
        };
        _sent.Enqueue(new SentMaxMessage(bot.Token, userId, mid, text, buttons, call with { AnsweredWith = 200 }, files));
        return Ok(new JsonObject { ["message"] = message });
    }

    private static JsonObject BotInfo(FakeMaxBot bot) => new()
    {
        ["user_id"] = bot.Id, ["first_name"] = "Zapnoty Test Bot", ["username"] = bot.Username, ["is_bot"] = true,
        ["last_activity_time"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
    };

    private static Reply Ok(JsonNode json) => new(200, json);

    private static Reply Error(MaxFailure failure) => failure.HtmlPage
        ? new(failure.Status, null, $"<html><head><title>{failure.Status} {failure.Message}</title></head><body><h1>{failure.Status} {failure.Message}</h1></body></html>")
        : new(failure.Status, new JsonObject { ["code"] = failure.Code, ["message"] = failure.Message }, RetryAfter: failure.RetryAfterSeconds);
}
