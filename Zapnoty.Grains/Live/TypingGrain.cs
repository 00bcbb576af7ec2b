using Microsoft.Extensions.Logging;
using Zapnoty.Grains.Channels;

namespace Zapnoty.Grains.Live;

/// <summary>
/// Sends the messenger's "typing…" action to a customer's chat while an agent types, at most once
/// per <see cref="LiveTimings.CustomerTyping"/> per chat: both platforms show it for about 5 s,
/// and the per-chat message limits (Telegram ~1/s, Max 2/s) stay free for the replies themselves.
/// Best effort: a failure is logged and forgotten.
/// </summary>
public sealed class TypingGrain(BotStore bots, MessengerClients clients, TimeProvider clock, ILogger<TypingGrain> log) : Grain, ITypingGrain
{
    private readonly Dictionary<string, DateTimeOffset> _sentAt = [];

    public async Task Typing(string chatId)
    {
        var now = clock.GetUtcNow();
        if (_sentAt.TryGetValue(chatId, out var last) && now - last < LiveTimings.CustomerTyping) return;
        _sentAt[chatId] = now;
        foreach (var stale in _sentAt.Where(s => now - s.Value > LiveTimings.CustomerTyping).Select(s => s.Key).ToList()) _sentAt.Remove(stale);

        var botId = this.GetPrimaryKey();
        // Only a bot still connected speaks to its chats (as for replies).
        var bot = await bots.FindLiveById(botId, CancellationToken.None);
        if (bot is null) return;
        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await clients.For(bot.Channel).Typing(clients.TokenOf(bot), chatId, deadline.Token);
        }
        catch (OperationCanceledException)
        {
            log.LogInformation("Bot {BotId} gave up showing typing in chat {ChatId}: the messenger did not answer in 5 s", botId, chatId);
        }
    }
}
