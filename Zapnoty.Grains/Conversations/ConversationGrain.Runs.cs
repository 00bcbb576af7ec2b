using Microsoft.Extensions.Logging;
using Zapnoty.Grains.Channels;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Conversations;

/// <summary>
/// Runs of plain messages to the chat's open ticket, applied together: a customer who writes
/// several lines while the silo is busy has them all waiting, and each would otherwise cost its
/// own round of lookups and its own ticket transaction.
/// </summary>
public sealed partial class ConversationGrain
{
    /// <summary>
    /// Applies the run of plain messages that starts at <paramref name="from"/> to the open ticket
    /// in one ticket transaction (every update's claim in it: all of the run applies, or none);
    /// answers how many it applied: 0 when there is no such run of two or more, or when the run
    /// failed, and then its updates go one by one, each claim telling whether it already applied.
    /// </summary>
    private async Task<int> ApplyRun(BotView bot, IReadOnlyList<WaitingUpdate> updates, int from)
    {
        var count = 0;
        while (from + count < updates.Count && IsPlainMessage(bot, updates[from + count].Update)) count++;
        if (count < 2 || _state.Step != ConversationStep.Idle) return 0;
        var run = updates.Skip(from).Take(count).Select(w => w.Update).ToList();
        try
        {
            if (await OpenTicket() is not { } ticket) return 0;
            // As each message would: the customer who writes has the bot unblocked, and their language is kept.
            await outbox.Reachable(bot.Id, run[0].ChatId, CancellationToken.None);
            foreach (var told in run.Select(u => u.User.Language).OfType<string>().Where(told => told != _language))
                (_language, _languageStored) = (told, false);
            await RememberLanguage(bot, run[0].ChatId);
            var route = new ChatRoute(bot.Id, run[0].ChatId);
            await GrainFactory.GetGrain<ITicketGrain>(ticket.Id).AddCustomerMessages(
                run.Select(u => new CustomerMessage(u.Text ?? "", new ChannelOrigin(route, u.Key, u.MessageId, u.Attachments))).ToList());
            return count;
        }
        catch (Exception e)
        {
            log.LogInformation(e, "Conversation {Key}: {Count} messages from update {UpdateKey} could not be applied together; applying them one by one",
                this.GetPrimaryKeyString(), count, run[0].Key);
            return 0;
        }
    }

    /// <summary>A customer's message that only adds words or files: no command, no button, no edit, not a staff group's.</summary>
    private static bool IsPlainMessage(BotView bot, IncomingUpdate update) =>
        update.Kind == IncomingKind.Message && !(update.InGroup && bot.Channel == Channel.Telegram)
        && update.Text?.TrimStart().StartsWith('/') != true;
}
