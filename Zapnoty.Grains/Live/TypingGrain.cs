using Microsoft.Extensions.Logging;
using Zapnoty.Grains.Channels;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Live;

/// <summary>
/// Sends the messenger's "typing…" action to a customer's chat while an agent types, at most once
/// per <see cref="LiveTimings.CustomerTyping"/> per chat: both platforms show it for about 5 s,
/// and the per-chat message limits (Telegram ~1/s, Max 2/s) stay free for the replies themselves.
/// Best effort: a failure is logged and forgotten. Max takes the action on the dialog's chat id,
/// not the user id its messages go to: the one the customer's updates carried, and none (so no
/// "typing…") for a chat that has sent nothing since that was recorded.
/// </summary>
public sealed class TypingGrain(BotStore bots, ChannelInbox inbox, MessengerClients clients, TimeProvider clock, ILogger<TypingGrain> log)
    : Grain, ITypingGrain
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
            var actionChat = bot.Channel == Channel.Max ? await inbox.DialogChat(botId, chatId, deadline.Token) : chatId;
            if (actionChat is null)
            {
                log.LogDebug("Bot {BotId} does not know the dialog of chat {ChatId} yet: no typing shown", botId, chatId);
                return;
            }
            await clients.For(bot.Channel).Typing(clients.TokenOf(bot), actionChat, deadline.Token);
        }
        catch (OperationCanceledException)
        {
            log.LogInformation("Bot {BotId} gave up showing typing in chat {ChatId}: the messenger did not answer in 5 s", botId, chatId);
        }
    }
}
