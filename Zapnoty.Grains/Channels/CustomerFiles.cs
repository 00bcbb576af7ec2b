namespace Zapnoty.Grains.Channels;

/// <summary>
/// Opens the files customers sent, through the bot of the chat they came through: a messenger's
/// file id is good for that bot only, so the bot must still be connected to the project (again,
/// if it was reconnected meanwhile).
/// </summary>
public sealed class CustomerFiles(BotStore bots, MessengerClients clients)
{
    public async Task<AttachmentDownload> Open(CustomerFile file, CancellationToken cancellationToken)
    {
        var route = file.Route ?? throw DomainException.NotFound("The file came through no messenger chat.");
        var origin = await bots.Find(route.BotId, cancellationToken)
            ?? throw new InvalidOperationException($"Bot {route.BotId} of a ticket's chat does not exist.");
        var live = await bots.FindLive(origin.Channel, origin.ExternalId, cancellationToken);
        if (live is null || live.ProjectId != origin.ProjectId)
            throw DomainException.Conflict(
                $"The {origin.Channel.Wire()} bot @{origin.Username} this file came through is no longer connected to the project, and only it can fetch the file. Connect it again to open the file.");
        return await clients.For(live.Channel).OpenAttachment(clients.TokenOf(live), file.Attachment, cancellationToken);
    }
}
