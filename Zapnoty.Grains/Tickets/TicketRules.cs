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
        var firstLine = text.Trim().Split('\n', 2)[0].Trim();
        return firstLine.Length <= TicketLimits.DerivedSubjectLength
            ? firstLine
            : firstLine[..(TicketLimits.DerivedSubjectLength - 1)].TrimEnd() + "…";
    }
}
