namespace Zapnoty.Grains.Channels;

/// <summary>How opening a file a customer sent went.</summary>
public abstract record AttachmentDownload
{
    /// <summary>
    /// The file, streaming from the messenger as it arrives (never held whole in memory). The
    /// receiver copies <paramref name="Content"/> on and disposes it, which frees the connection.
    /// <paramref name="Name"/> is the messenger's own name for it (Telegram's file path), for files
    /// the customer sent without one (photos).
    /// </summary>
    public sealed record Opened(Stream Content, string? ContentType, long? Length, string? Name) : AttachmentDownload;

    /// <summary>Bigger than the messenger lets a bot download (Telegram: 20 MB).</summary>
    public sealed record TooLarge(string Reason) : AttachmentDownload;

    /// <summary>The messenger gives no address we may fetch it from (Max: a URL on a host we do not trust).</summary>
    public sealed record NoSource(string Reason) : AttachmentDownload;

    /// <summary>The messenger refused, failed or could not be reached.</summary>
    public sealed record Unavailable(string Reason) : AttachmentDownload;
}

/// <summary>
/// One file of a ticket's message and the chat it came through (whose bot can fetch it); for a
/// file an agent sent (<see cref="Attachment.StoredId"/>) the route is not needed and may be null.
/// </summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Channels.CustomerFile")]
public sealed record CustomerFile([property: Id(0)] Attachment Attachment, [property: Id(1)] Tickets.ChatRoute? Route);
