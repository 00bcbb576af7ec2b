namespace Zapnoty.Grains.Files;

/// <summary>
/// What one reply may carry, from the strictest messenger (Telegram's Bot API): a bot uploads
/// documents of up to 50 MB and photos of up to 10 MB. A bigger image goes as a document, so
/// the customer still gets it (uncompressed); anything over 50 MB is refused.
/// </summary>
public static class FileLimits
{
    public const int MaxFilesPerReply = 10;
    public const long MaxFileBytes = 50L * 1024 * 1024;
    public const long MaxPhotoBytes = 10L * 1024 * 1024;
    public const int MaxNameLength = 200;

    /// <summary>Telegram's limit on a photo's or document's caption; a longer text goes as a message of its own first.</summary>
    public const int TelegramCaptionLength = 1024;

    /// <summary>Max takes a message's text (4000 characters) together with its attachment.</summary>
    public const int MaxCaptionLength = 4000;
}
