using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Zapnoty.Grains.Conversations;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Channels;

/// <summary>
/// Runs in every silo: finds chat updates no conversation applied, messages due that no
/// sender is working on, and sends a crashed silo left in flight — the work a lost nudge or a
/// dead silo would otherwise leave behind. Nudging twice is harmless.
/// </summary>
public sealed class ChannelSweeper(IGrainFactory grains, ChannelInbox inbox, ChannelOutbox outbox, IOptions<ChannelSendOptions> options,
    TimeProvider clock, ILogger<ChannelSweeper> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = options.Value.SweepPeriod;
        using var timer = new PeriodicTimer(period, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var now = clock.GetUtcNow();
                foreach (var chat in await inbox.WaitingChats(now - period, stoppingToken))
                    await grains.GetGrain<IConversationGrain>(ConversationKeys.Of(chat.Channel, chat.ExternalBotId, chat.ChatId)).Process();
                foreach (var reply in await outbox.FailCutOff(now - options.Value.InFlightLimit, now, stoppingToken))
                    await grains.GetGrain<ITicketGrain>(reply.TicketId).ReplyUndelivered(reply.MessageId, reply.Error);
                foreach (var botId in await outbox.BotsWithDue(now, stoppingToken))
                    await grains.GetGrain<IChannelSenderGrain>(botId).Nudge();
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                log.LogWarning(e, "Channel sweep failed; trying again in {Period}", period);
            }
        }
    }
}
