using Microsoft.Extensions.Logging;
using Zapnoty.Grains.Conversations;
using Zapnoty.Grains.Storage;

namespace Zapnoty.Grains.Channels;

/// <summary>
/// The silo's one writer of messenger updates into the inbox: the updates of concurrent webhook
/// requests are recorded in one transaction (<see cref="GroupCommit{TItem, TResult}"/>), and each
/// request is answered once its update is durable. A new update is then handed to its chat's
/// conversation grain, which applies the chat's waiting updates in arrival order and claims each
/// in the transaction that applies it, so an update applies once however often it is delivered
/// or nudged. A crash between the commit and the hand-off loses nothing: the update waits in the
/// inbox and <see cref="ChannelSweeper"/> nudges its chat.
/// </summary>
public sealed class UpdateIntake
{
    /// <summary>Updates per transaction at most: each is up to 1 MB of JSON, and a batch is one statement.</summary>
    private const int MaxBatch = 256;

    private readonly GroupCommit<ArrivingUpdate, bool> _commits;
    private readonly IGrainFactory _grains;

    public UpdateIntake(ChannelInbox inbox, IGrainFactory grains, ILogger<UpdateIntake> log)
    {
        _grains = grains;
        _commits = new(batch => inbox.Record(batch, CancellationToken.None), MaxBatch, log, "messenger updates");
    }

    /// <summary>
    /// Completes when the update is durable in the inbox (true when it is new, false for a
    /// redelivery) and, when new, handed to its chat; faults when it could not be recorded, so the
    /// messenger delivers it again.
    /// </summary>
    public async Task<bool> Record(ArrivingUpdate arriving)
    {
        var isNew = await _commits.Submit(arriving);
        if (isNew)
            _grains.GetGrain<IConversationGrain>(ConversationKeys.Of(arriving.Bot.Channel, arriving.Bot.ExternalId, arriving.Update.ChatId)).Process().Ignore();
        return isNew;
    }
}
