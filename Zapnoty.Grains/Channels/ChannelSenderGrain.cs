using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Channels;

/// <summary>
/// One per bot (our bot id): sends the bot's queued messages to chats, in order per chat,
/// paced to the messenger's limits (about 1 a second per chat, 30 a second per bot), waiting
/// out 429s, retrying 5xx and timeouts, and giving up on chats that blocked the bot.
/// </summary>
[Alias("Zapnoty.Grains.Channels.IChannelSenderGrain")]
public interface IChannelSenderGrain : IGrainWithGuidKey
{
    /// <summary>There may be messages due: start sending. Cheap and idempotent.</summary>
    [Alias("017DABC6")]
    [OneWay] Task Nudge();
}

public sealed class ChannelSenderGrain(ChannelOutbox outbox, BotStore bots, MessengerClients clients, Files.FileStore files, IOptions<ChannelSendOptions> options,
    TimeProvider clock, Observability.ZapnotyMetrics metrics, ILogger<ChannelSenderGrain> log) : Grain, IChannelSenderGrain
{
    private const int MessagesPerRound = 50;
    private const int InFlight = 8;

    private readonly Dictionary<string, DateTimeOffset> _chatFreeAt = [];
    private readonly Queue<DateTimeOffset> _recentSends = new();
    private bool _working;
    private bool _nudged;
    private IGrainTimer? _wake;

    private Guid BotId => this.GetPrimaryKey();
    private ChannelSendOptions Settings => options.Value;

    public Task Nudge()
    {
        if (_working) _nudged = true;
        else _ = Work();
        return Task.CompletedTask;
    }

    private async Task Work()
    {
        _working = true;
        DateTimeOffset? pausedUntil = null;
        try
        {
            // Only a bot still connected sends: after a disconnect (or a move to another project)
            // the old tickets' agents must not keep writing through it.
            var bot = await bots.FindLiveById(BotId, CancellationToken.None);
            if (bot is null)
            {
                await FailForGoneBot();
                return;
            }
            do
            {
                _nudged = false;
                IReadOnlyList<QueuedMessage> due;
                do
                {
                    var now = clock.GetUtcNow();
                    // A chat still inside its pause waits; the others go ahead.
                    var queued = await outbox.Due(BotId, now, MessagesPerRound, CancellationToken.None);
                    due = queued.Where(m => !_chatFreeAt.TryGetValue(m.ChatId, out var free) || free <= now).ToList();
                    pausedUntil = queued.Except(due).Select(m => (DateTimeOffset?)_chatFreeAt[m.ChatId]).Min();
                    using var slots = new SemaphoreSlim(InFlight);
                    await Task.WhenAll(due.Select(async message =>
                    {
                        await slots.WaitAsync();
                        try
                        {
                            await Send(bot, message);
                        }
                        finally
                        {
                            slots.Release();
                        }
                    }));
                }
                while (due.Count > 0);
            }
            while (_nudged);
        }
        catch (Exception e)
        {
            log.LogError(e, "Sending for bot {BotId} stopped; the sweeper resumes it", BotId);
        }
        finally
        {
            _working = false;
        }
        await ScheduleWake(pausedUntil);
    }

    private async Task Send(BotView bot, QueuedMessage message)
    {
        // The last door before the customer's chat: a message marked internal never goes through it.
        if (message.MessageId is { } messageId && await outbox.RefuseInternal(message.Id, clock.GetUtcNow(), CancellationToken.None))
        {
            metrics.ChannelMessage(bot.Channel, "refused_internal");
            log.LogError("Refused to send outbox message {OutboxId} to chat {ChatId} of bot {BotId}: it carries internal note {MessageId}",
                message.Id, message.ChatId, BotId, messageId);
            return;
        }
        await WaitForBotSlot();
        if (!await outbox.TakeForSending(message.Id, clock.GetUtcNow(), CancellationToken.None)) return;
        _chatFreeAt[message.ChatId] = clock.GetUtcNow() + Settings.PerChatInterval;

        var outcome = message.File is { } file
            ? await SendFile(bot, message, file)
            : await clients.For(bot.Channel).Send(clients.TokenOf(bot), new OutgoingMessage(message.ChatId, message.Text, message.Buttons), CancellationToken.None);
        var now = clock.GetUtcNow();
        switch (outcome)
        {
            case SendOutcome.Sent:
                await outbox.Sent(message.Id, now, CancellationToken.None);
                metrics.ChannelMessage(bot.Channel, "sent");
                await outbox.Reachable(BotId, message.ChatId, CancellationToken.None);
                // A reply with files is delivered when its last part is; a file that got through after
                // another failed leaves the reply failed, and shows itself delivered.
                if (Reply(message) is { } sent)
                {
                    if (await outbox.AllSent(sent.MessageId, CancellationToken.None))
                        await GrainFactory.GetGrain<ITicketGrain>(sent.TicketId).ReplyDelivered(sent.MessageId);
                    else if (message.File is not null && await outbox.FirstFailure(sent.MessageId, CancellationToken.None) is { } failure)
                        await GrainFactory.GetGrain<ITicketGrain>(sent.TicketId).ReplyUndelivered(sent.MessageId, failure);
                }
                break;

            case SendOutcome.RetryAfter(var wait):
                // Not an attempt that failed: the messenger asked us to wait, and we do.
                _chatFreeAt[message.ChatId] = now + wait;
                await outbox.RetryAt(message.Id, now + wait, $"Rate limited; retrying after {wait.TotalSeconds:0} s.", CancellationToken.None);
                metrics.ChannelMessage(bot.Channel, "rate_limited");
                break;

            case SendOutcome.Blocked(var reason):
                var failed = await outbox.Blocked(BotId, message.ChatId, reason, now, CancellationToken.None);
                metrics.ChannelMessage(bot.Channel, "blocked");
                log.LogInformation("Chat {ChatId} of bot {BotId} is unreachable: {Reason}", message.ChatId, BotId, reason);
                foreach (var reply in failed)
                    await GrainFactory.GetGrain<ITicketGrain>(reply.TicketId).ReplyUndelivered(reply.MessageId, reply.Error);
                break;

            case SendOutcome.Failed(var error, var permanent):
                var schedule = Settings.Schedule;
                if (!permanent && message.Attempts < schedule.Count)
                {
                    await outbox.RetryAt(message.Id, now + schedule[message.Attempts], error, CancellationToken.None);
                    metrics.ChannelMessage(bot.Channel, "retry");
                    break;
                }
                await outbox.Fail(message.Id, error, now, CancellationToken.None);
                metrics.ChannelMessage(bot.Channel, "failed");
                log.LogWarning("Message {OutboxId} to chat {ChatId} of bot {BotId} failed: {Error}", message.Id, message.ChatId, BotId, error);
                if (Reply(message) is { } undelivered)
                    await GrainFactory.GetGrain<ITicketGrain>(undelivered.TicketId).ReplyUndelivered(undelivered.MessageId, error);
                break;
        }
    }

    /// <summary>A file from the file store, opened afresh for every attempt; a file that is gone fails for good.</summary>
    private async Task<SendOutcome> SendFile(BotView bot, QueuedMessage message, Attachment file)
    {
        var projectId = bot.ProjectId;
        if (file.StoredId is not { } storedId || await files.Open(projectId, storedId, CancellationToken.None) is not { } opened)
            return new SendOutcome.Failed($"The file \"{file.FileName}\" is no longer stored.", Permanent: true);
        await using var content = opened.Content;
        return await clients.For(bot.Channel).SendFile(clients.TokenOf(bot), new OutgoingMessage(message.ChatId, message.Text, null), file, content,
            CancellationToken.None);
    }

    /// <summary>The bot was disconnected: what waits for it can never be sent, so it fails with the reason.</summary>
    private async Task FailForGoneBot()
    {
        if (await bots.Find(BotId, CancellationToken.None) is not { } gone) return;
        var reason = $"The {gone.Channel.Wire()} bot @{gone.Username} this chat came through is no longer connected to the project, so the customer cannot be reached through it.";
        IReadOnlyList<QueuedMessage> due;
        do
        {
            due = await outbox.Due(BotId, clock.GetUtcNow(), MessagesPerRound, CancellationToken.None);
            foreach (var message in due)
            {
                if (!await outbox.TakeForSending(message.Id, clock.GetUtcNow(), CancellationToken.None)) continue;
                await outbox.Fail(message.Id, reason, clock.GetUtcNow(), CancellationToken.None);
                metrics.ChannelMessage(gone.Channel, "failed");
                if (Reply(message) is { } undelivered)
                    await GrainFactory.GetGrain<ITicketGrain>(undelivered.TicketId).ReplyUndelivered(undelivered.MessageId, reason);
            }
        }
        while (due.Count > 0);
        log.LogInformation("Failed the queued messages of disconnected bot {BotId}", BotId);
    }

    /// <summary>Keeps the bot under its messages-per-second limit.</summary>
    private async Task WaitForBotSlot()
    {
        while (true)
        {
            var now = clock.GetUtcNow();
            while (_recentSends.Count > 0 && now - _recentSends.Peek() >= TimeSpan.FromSeconds(1)) _recentSends.Dequeue();
            if (_recentSends.Count < Settings.PerBotPerSecond)
            {
                _recentSends.Enqueue(now);
                return;
            }
            await Task.Delay(_recentSends.Peek() + TimeSpan.FromSeconds(1) - now);
        }
    }

    private static (Guid TicketId, Guid MessageId)? Reply(QueuedMessage message) =>
        message is { TicketId: { } ticketId, MessageId: { } messageId } ? (ticketId, messageId) : null;

    /// <summary>Retries and paused chats that fall due soon wake this grain by timer; the sweeper covers the rest.</summary>
    private async Task ScheduleWake(DateTimeOffset? pausedUntil)
    {
        var now = clock.GetUtcNow();
        foreach (var chat in _chatFreeAt.Where(p => p.Value <= now).Select(p => p.Key).ToList()) _chatFreeAt.Remove(chat);
        var next = await outbox.NextDue(BotId, CancellationToken.None);
        // What is due now but waits for its chat's pause wakes us when the pause ends.
        if (next <= now && pausedUntil is { } paused) next = paused;

        if (next is null || next - now > Settings.SweepPeriod)
        {
            _wake?.Dispose();
            _wake = null;
            return;
        }
        var dueTime = next.Value - now < TimeSpan.Zero ? TimeSpan.Zero : next.Value - now;
        if (_wake is null)
            _wake = this.RegisterGrainTimer(_ => Nudge(), new GrainTimerCreationOptions { DueTime = dueTime, Period = Timeout.InfiniteTimeSpan, Interleave = true, KeepAlive = true });
        else
            _wake.Change(dueTime, Timeout.InfiniteTimeSpan);
    }
}
