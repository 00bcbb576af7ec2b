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

    /// <summary>The subject given, or the first line of the text, shortened.</summary>
    public static string SubjectFor(string? subject, string text)
    {
        if (!string.IsNullOrWhiteSpace(subject)) return subject.Trim();
        var firstLine = text.Trim().Split('\n', 2)[0].Trim();
        return firstLine.Length <= TicketLimits.DerivedSubjectLength
            ? firstLine
            : firstLine[..(TicketLimits.DerivedSubjectLength - 1)].TrimEnd() + "…";
    }
}
