using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests.Calendars;

/// <summary>
/// A server publishing calendars on 127.0.0.1, as a country's production-calendar site would:
/// each path answers what the test put there (an .ics, garbage, a huge body, a redirect, an
/// error status), and every request is counted.
/// </summary>
public sealed class CalendarFeedServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Func<HttpContext, Task>> _answers = new();
    private readonly ConcurrentDictionary<string, int> _requests = new();

    private CalendarFeedServer(WebApplication app)
    {
        _app = app;
        _app.MapGet("/{**path}", (HttpContext http) =>
        {
            var path = http.Request.Path.Value!.TrimStart('/');
            _requests.AddOrUpdate(path, 1, (_, n) => n + 1);
            if (_answers.TryGetValue(path, out var answer)) return answer(http);
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
    }

    public static Task<CalendarFeedServer> Start() => LoopbackApp.Start(app => new CalendarFeedServer(app));

    public string Url(string path) => LoopbackApp.Address(_app.Services) + "/" + path;

    public int Requests(string path) => _requests.GetValueOrDefault(path);

    /// <summary><paramref name="path"/> answers 200 with <paramref name="body"/> as <c>text/calendar</c>.</summary>
    public void Publish(string path, string body) => _answers[path] = http =>
    {
        http.Response.ContentType = "text/calendar; charset=utf-8";
        return http.Response.WriteAsync(body);
    };

    /// <summary>
    /// <paramref name="path"/> answers 200 with <paramref name="bytes"/> bytes of filler, sent in
    /// pieces without a Content-Length, so only counting what arrives can stop it.
    /// </summary>
    public void PublishEndless(string path, int bytes) => _answers[path] = async http =>
    {
        http.Response.ContentType = "text/calendar";
        var piece = "BEGIN:VCALENDAR\r\n"u8.ToArray().Concat(Enumerable.Repeat((byte)'x', 64 * 1024 - 17)).ToArray();
        for (var sent = 0; sent < bytes; sent += piece.Length)
            await http.Response.Body.WriteAsync(piece, http.RequestAborted);
    };

    public void Redirect(string path, string location) => _answers[path] = http =>
    {
        http.Response.StatusCode = StatusCodes.Status302Found;
        http.Response.Headers.Location = location;
        return Task.CompletedTask;
    };

    public void Fail(string path, int status) => _answers[path] = http =>
    {
        http.Response.StatusCode = status;
        return Task.CompletedTask;
    };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
