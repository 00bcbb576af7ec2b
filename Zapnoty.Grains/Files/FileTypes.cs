namespace Zapnoty.Grains.Files;

/// <summary>
/// What a file is, from its first bytes rather than what the browser claimed: only a real
/// JPEG, PNG or WebP of at most <see cref="FileLimits.MaxPhotoBytes"/> goes to the customer as a
/// photo; everything else goes as a document. A claimed type that a browser would run (HTML,
/// SVG, script, XML) is never kept.
/// </summary>
public static class FileTypes
{
    public const int SniffBytes = 16;
    public const string Binary = "application/octet-stream";

    private static readonly HashSet<string> Active = new(StringComparer.OrdinalIgnoreCase)
    {
        "text/html", "application/xhtml+xml", "image/svg+xml", "text/javascript", "application/javascript", "application/x-javascript",
        "text/xml", "application/xml", "application/ecmascript", "text/ecmascript",
    };

    /// <summary>The type the first bytes prove, or null.</summary>
    public static string? Sniff(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF])) return "image/jpeg";
        if (head.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A])) return "image/png";
        if (head.StartsWith("GIF87a"u8) || head.StartsWith("GIF89a"u8)) return "image/gif";
        if (head.Length >= 12 && head.StartsWith("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8)) return "image/webp";
        if (head.StartsWith("%PDF-"u8)) return "application/pdf";
        if (head.StartsWith((ReadOnlySpan<byte>)[(byte)'P', (byte)'K', 3, 4])) return "application/zip";
        return null;
    }

    /// <summary>The sniffed type, else the claimed one if it is harmless and well-formed, else binary.</summary>
    public static string ContentTypeOf(ReadOnlySpan<byte> head, string? claimed)
    {
        if (Sniff(head) is { } sniffed)
            // A .docx or .xlsx is a zip too: keep the more precise claim when it says so.
            return sniffed == "application/zip" && claimed is not null && claimed.StartsWith("application/vnd.", StringComparison.OrdinalIgnoreCase) ? claimed : sniffed;
        var type = claimed?.Split(';')[0].Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(type) || type.Length > 100 || !type.Contains('/') || type.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))) return Binary;
        // An image we could not recognise is not shown as one.
        if (Active.Contains(type) || type.StartsWith("image/", StringComparison.Ordinal)) return Binary;
        return type;
    }

    /// <summary><c>photo</c> or <c>document</c>: how the messenger gets it.</summary>
    public static string KindOf(string contentType, long size) =>
        contentType is "image/jpeg" or "image/png" or "image/webp" && size <= FileLimits.MaxPhotoBytes ? "photo" : "document";
}
