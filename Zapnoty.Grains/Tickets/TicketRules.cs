using Zapnoty.Grains.Channels;

namespace Zapnoty.Grains.Tickets;

/// <summary>Rules of the ticket lifecycle shared by creation and the ticket grain.</summary>
public static class TicketRules
{
    public static TicketView WithStatus(TicketView ticket, TicketStatus status, DateTimeOffset now) => ticket with
    {
        Status = status,
        ClosedAt = status == TicketStatus.Closed ? now : null,
    };

    public static void RequireText(string? text, string field = "text")
    {
        if (string.IsNullOrWhiteSpace(text))
            throw DomainException.Invalid(field, "Text must not be empty.");
        if (text.Length > TicketLimits.MaxTextLength)
            throw DomainException.Invalid(field, $"Text must be at most {TicketLimits.MaxTextLength} characters (got {text.Length}).");
    }

    /// <summary>A customer message from a chat may be a photo or file alone; then it needs no text.</summary>
    public static void RequireContent(string? text, ChannelOrigin? origin)
    {
        if (origin is { Attachments.Count: > 0 } && string.IsNullOrEmpty(text)) return;
        RequireText(text);
    }

    /// <summary>The subject given, or the first line of the text, shortened; for a file alone, what it is.</summary>
    public static string SubjectFor(string? subject, string text, ChannelOrigin? origin = null)
    {
        if (!string.IsNullOrWhiteSpace(subject)) return subject.Trim();
        if (string.IsNullOrWhiteSpace(text) && origin is { Attachments: [var first, ..] })
            return char.ToUpperInvariant(first.Kind[0]) + first.Kind[1..].Replace('_', ' ');
        return Shorten(text.Trim().Split('\n', 2)[0].Trim(), TicketLimits.DerivedSubjectLength);
    }

    /// <summary>
    /// <paramref name="text"/> if it fits in <paramref name="max"/> characters, else its start and
    /// an ellipsis (never cutting an emoji or other surrogate pair in half).
    /// </summary>
    public static string Shorten(string text, int max)
    {
        if (text.Length <= max) return text;
        var cut = max - 1;
        if (char.IsHighSurrogate(text[cut - 1])) cut--;
        return text[..cut].TrimEnd() + "…";
    }
}
