using System.Net;
using System.Text;

namespace Zapnoty.Grains.Tests.Infrastructure;

/// <summary>Posts an update to a bot's webhook route on a silo, as Telegram or Max would.</summary>
public static class ChannelWebhook
{
    public const string TelegramSecretHeader = "X-Telegram-Bot-Api-Secret-Token";
    public const string MaxSecretHeader = "X-Max-Bot-Api-Secret";

    /// <summary>The raw answer, for tests of what the route refuses; no header when <paramref name="secret"/> is null.</summary>
    public static Task<HttpResponseMessage> Telegram(HttpClient silo, FakeBot bot, string update, string? secret) =>
        Send(silo, $"/v1/channels/telegram/{bot.Id}/webhook", update, secret, TelegramSecretHeader);

    /// <inheritdoc cref="Telegram"/>
    public static Task<HttpResponseMessage> Max(HttpClient silo, FakeMaxBot bot, string update, string? secret, string header = MaxSecretHeader) =>
        Send(silo, $"/v1/channels/max/{bot.Id}/webhook", update, secret, header);

    /// <summary>Awaits a post and requires 200: both messengers count anything else as a failed delivery.</summary>
    public static async Task Accepted(Task<HttpResponseMessage> post)
    {
        using var response = await post;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static Task<HttpResponseMessage> Send(HttpClient silo, string route, string update, string? secret, string header)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, route) { Content = new StringContent(update, Encoding.UTF8, "application/json") };
        if (secret is not null) request.Headers.Add(header, secret);
        return silo.SendAsync(request);
    }
}
